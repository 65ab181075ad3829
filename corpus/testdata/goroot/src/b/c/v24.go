package p // b/c/v24.go
