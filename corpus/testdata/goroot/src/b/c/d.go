package p // b/c/d.go
