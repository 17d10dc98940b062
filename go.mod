module github.com/ci-authz/ci-authz

go 1.26.8
