package p // b/testdata/x.go: under testdata, left out
