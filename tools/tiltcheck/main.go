// tiltcheck evaluates a Tiltfile with go.starlark.net, the interpreter Tilt itself embeds,
// and prints every call of a Tilt builtin as JSON, in order.
//
// Why: Tilt's own module cannot be fetched from the Go module proxy used here, so
// `tilt alpha tiltfile-result` is out of reach. This runs the same Starlark dialect
// (top-level control flow, sets, global reassignment) with each Tilt builtin replaced by a
// recorder, so a test can check the Tiltfile's calls and their arguments offline.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// builtins are the Tilt API functions a Tiltfile of ours may call.
var builtins = []string{
	"version_settings", "allow_k8s_contexts", "update_settings", "docker_build",
	"sync", "run", "fall_back_on", "restart_container", "k8s_kind", "k8s_yaml", "helm",
	"k8s_resource", "local_resource", "local", "read_file", "watch_file", "port_forward",
	"custom_build", "default_registry", "secret_settings", "ci_settings", "load_dynamic",
}

type call struct {
	Fn     string         `json:"fn"`
	Args   []any          `json:"args"`
	Kwargs map[string]any `json:"kwargs"`
}

func toGo(v starlark.Value) any {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		i, _ := x.Int64()
		return i
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	case *starlark.List:
		out := []any{}
		for i := 0; i < x.Len(); i++ {
			out = append(out, toGo(x.Index(i)))
		}
		return out
	case starlark.Tuple:
		out := []any{}
		for _, item := range x {
			out = append(out, toGo(item))
		}
		return out
	case *starlark.Dict:
		out := map[string]any{}
		for _, item := range x.Items() {
			key, ok := item[0].(starlark.String)
			if !ok {
				out[item[0].String()] = toGo(item[1])
				continue
			}
			out[string(key)] = toGo(item[1])
		}
		return out
	default:
		return v.String()
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tiltcheck TILTFILE")
		os.Exit(2)
	}
	calls := []call{}
	predeclared := starlark.StringDict{}
	for _, name := range builtins {
		name := name
		predeclared[name] = starlark.NewBuiltin(name, func(
			_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple,
		) (starlark.Value, error) {
			c := call{Fn: name, Args: []any{}, Kwargs: map[string]any{}}
			for _, a := range args {
				c.Args = append(c.Args, toGo(a))
			}
			for _, kv := range kwargs {
				c.Kwargs[string(kv[0].(starlark.String))] = toGo(kv[1])
			}
			calls = append(calls, c)
			result := starlark.NewDict(3)
			_ = result.SetKey(starlark.String("fn"), starlark.String(name))
			return result, nil
		})
	}
	options := &syntax.FileOptions{
		Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true,
	}
	thread := &starlark.Thread{Name: "Tiltfile"}
	if _, err := starlark.ExecFileOptions(options, thread, os.Args[1], nil, predeclared); err != nil {
		if evalErr, ok := err.(*starlark.EvalError); ok {
			fmt.Fprintln(os.Stderr, evalErr.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(calls); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
