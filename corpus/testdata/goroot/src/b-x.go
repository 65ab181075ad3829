package p // b-x.go
