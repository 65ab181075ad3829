package p // a.go
