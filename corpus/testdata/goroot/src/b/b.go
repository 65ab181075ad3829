package p // b/b.go
