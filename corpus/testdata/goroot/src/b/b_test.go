package p // b/b_test.go: a test, left out
