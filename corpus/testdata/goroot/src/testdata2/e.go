package p // testdata2/e.go
