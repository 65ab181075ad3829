package p // z.go
