package p // b.go
