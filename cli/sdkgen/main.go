// Command pulumi-wechatpay-sdkgen writes a Pulumi package's SDK for one language from its schema.json, with
// Pulumi's own code generators at the CLI's release (github.com/pulumi/pulumi/pkg/v3/codegen/...).
//
// Why not `pulumi package gen-sdk`: the CLI hands the work to the language host's GeneratePackage RPC, and the hosts
// we can build (sdk/v3 v3.66.0 and v3.68.0; the proxy refuses the newer host modules) predate that RPC. This tool does
// what the v3.276.0 hosts' GeneratePackage does (sdk/{nodejs/cmd/pulumi-language-nodejs,python/cmd/
// pulumi-language-python,go/pulumi-language-go}/main.go at pulumi/pulumi a05d88f24d05): bind the spec with dangling
// references allowed, call the language's codegen.GeneratePackage with the tool name the host uses, write the files
// under a cleaned output folder (as pkg/cmd/pulumi/packages/packages.go GenSDK cleans it).
//
// Usage: pulumi-wechatpay-sdkgen <schema.json> <nodejs|python|go> <out-dir>
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// selfContained is the schema loader: our schemas reference no other package, so a reference is an error that
// says so (the CLI would ask its plugin host, which would download plugins; the tests forbid that).
type selfContained struct{}

func (selfContained) refused(name string) error {
	return fmt.Errorf("the schema references package %q: pulumi-wechatpay-sdkgen only generates self-contained schemas", name)
}

func (l selfContained) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refused(pkg)
}

func (l selfContained) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refused(d.Name)
}

func (l selfContained) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refused(pkg)
}

func (l selfContained) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.refused(d.Name)
}

func generate(schemaPath, language string) (map[string][]byte, error) {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return nil, fmt.Errorf("%s is not a Pulumi package schema: %w", schemaPath, err)
	}
	var loader schema.ReferenceLoader = selfContained{}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	// The tool names are the hosts' own: they appear in the generated files' "do not edit" headers.
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, nil, nil, false, loader)
	case "python":
		return python.GeneratePackage("pulumi-language-python", pkg, nil, loader)
	case "go":
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	}
	return nil, fmt.Errorf("language %q: expected nodejs, python or go", language)
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: pulumi-wechatpay-sdkgen <schema.json> <nodejs|python|go> <out-dir>")
	}
	schemaPath, language, out := args[0], args[1], args[2]
	files, err := generate(schemaPath, language)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Println(name)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-wechatpay-sdkgen: %v\n", err)
		os.Exit(1)
	}
}
