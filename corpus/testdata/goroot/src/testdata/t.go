package p // testdata/t.go: under testdata, left out
