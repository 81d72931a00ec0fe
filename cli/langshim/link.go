package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/mod/modfile"
)

// linkGo adds a locally generated Go SDK to a program (`pulumi package add`): a `replace` in the program's go.mod
// from the SDK's module path to its folder, and import instructions. Followed: pulumi/pulumi
// sdk/go/pulumi-language-go/main.go, goLanguageHost.Link, read at a05d88f24d05. The CLI then asks the old host to
// install dependencies (pkg/cmd/pulumi/packages/packages.go at v3.276.0, LinkPackages), which it serves.
func linkGo(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	loader, err := newLoader(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	modules := map[string]string{}
	var imports strings.Builder
	for _, dep := range req.Packages {
		if dep.Package.Name == "pulumi" {
			modules["github.com/pulumi/pulumi/sdk/v3"] = dep.Path
			continue
		}
		pkg, err := loadLinked(ctx, cached, dep.Package)
		if err != nil {
			return nil, err
		}
		if err := pkg.ImportLanguages(map[string]schema.Language{"go": gogen.Importer}); err != nil {
			return nil, err
		}
		modulePath, importPath := "", ""
		if info, ok := pkg.Language["go"].(gogen.GoPackageInfo); ok {
			modulePath, importPath = info.ModulePath, info.ImportBasePath
			if modulePath == "" && info.ImportBasePath != "" {
				modulePath = path.Dir(info.ImportBasePath)
			}
		}
		if modulePath == "" {
			modulePath = gogen.ExtractModulePath(pkg.Reference())
		}
		// Unlike the host we follow, the instructions name the schema's importBasePath when it has one: the
		// reference ExtractImportBasePath reads has no Go info imported, so it falls back to example.com/....
		if importPath == "" {
			importPath = gogen.ExtractImportBasePath(pkg.Reference())
		}
		// A relative replacement must start with ./ (https://go.dev/ref/mod#go-mod-file-replace).
		local := dep.Path
		if !strings.HasPrefix(local, "./") && !filepath.IsAbs(local) {
			local = "./" + local
		}
		modules[modulePath] = local
		fmt.Fprintf(&imports, "    %q\n", importPath)
	}

	gomodPath := filepath.Join(req.Info.ProgramDirectory, "go.mod")
	stat, err := os.Stat(gomodPath)
	if err != nil {
		return nil, fmt.Errorf("the Go program has no go.mod (%w): run `go mod init` in %s first",
			err, req.Info.ProgramDirectory)
	}
	text, err := os.ReadFile(gomodPath)
	if err != nil {
		return nil, err
	}
	gomod, err := modfile.Parse(gomodPath, text, nil)
	if err != nil {
		return nil, fmt.Errorf("go.mod parse: %w", err)
	}
	for module, dir := range modules {
		if err := gomod.AddReplace(module, "", dir, ""); err != nil {
			return nil, fmt.Errorf("could not add replace statement: %w", err)
		}
	}
	out, err := gomod.Format()
	if err != nil {
		return nil, fmt.Errorf("formatting go.mod: %w", err)
	}
	if err := os.WriteFile(gomodPath, out, stat.Mode().Perm()); err != nil {
		return nil, fmt.Errorf("writing go.mod: %w", err)
	}

	noun := "SDK"
	if len(req.Packages) > 1 {
		noun = "SDKs"
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: fmt.Sprintf("You can import the %s in your Go code with:\n\n  import (\n%s  )\n",
			noun, imports.String()),
	}, nil
}

// loadLinked loads the schema of a package being linked; the CLI's loader serves it (it pre-loads file schemas).
func loadLinked(
	ctx context.Context, loader schema.ReferenceLoader, d *pulumirpc.PackageDependency,
) (*schema.Package, error) {
	var version *semver.Version
	if v, err := semver.New(d.Version); err == nil {
		version = v
	}
	desc := &schema.PackageDescriptor{Name: d.Name, Version: version, DownloadURL: d.Server}
	if p := d.Parameterization; p != nil {
		desc.Parameterization = &schema.ParameterizationDescriptor{Name: p.Name, Value: p.Value}
		if v, err := semver.New(p.Version); err == nil {
			desc.Parameterization.Version = *v
		}
	}
	ref, err := schema.LoadPackageReferenceV2(ctx, loader, desc)
	if err != nil {
		return nil, err
	}
	return ref.Definition()
}
