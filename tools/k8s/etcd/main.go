// Command etcd is etcd's own server entry point, built from the Go module proxy.
//
// go.etcd.io/etcd/server/v3 cannot be `go install`ed: its go.mod replaces the
// sibling etcd modules with relative paths. This wrapper module requires the
// released modules at one version instead, so `go build` works from the proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
