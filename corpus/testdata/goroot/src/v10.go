package p // v10.go
