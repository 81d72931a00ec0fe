package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	hclsyntax "github.com/pulumi/pulumi/pkg/v3/codegen/hcl2/syntax"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// generator is what differs between the languages: the binding options and code generators their v3.276.0 hosts
// use. Followed: pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, sdk/python/cmd/
// pulumi-language-python/main.go and sdk/go/pulumi-language-go/main.go (GenerateProgram, GeneratePackage), read at
// a05d88f24d05; the codegen packages are pkg/v3 v3.276.0's.
type generator struct {
	// bindOptions are the host's PCL options; strict says whether the request asked for strict binding.
	bindOptions func(strict bool) []pcl.BindOption
	program     func(*pcl.Program) (map[string][]byte, hcl.Diagnostics, error)
	pkg         func(*schema.Package, *pulumirpc.GeneratePackageRequest, schema.ReferenceLoader) (map[string][]byte, error)
	// link serves Link (`pulumi package add`) where the shim implements it; nil leaves the call to the old host.
	link func(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error)
}

// outputVersioned is the Node.js and Python hosts' choice: output-versioned invokes, and non-strict binding unless
// asked for strict.
func outputVersioned(strict bool) []pcl.BindOption {
	opts := []pcl.BindOption{pcl.PreferOutputVersionedInvokes}
	if !strict {
		opts = append(opts, pcl.NonStrictBindOptions()...)
	}
	return opts
}

func generatorFor(language string) (*generator, error) {
	switch language {
	case "nodejs":
		return &generator{
			bindOptions: outputVersioned,
			program: func(p *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
				// The host passes its runtime (node or bun); the wrapped v3.68.0 host only runs Node.js.
				return nodejs.GenerateProgramWithOptions(p, nodejs.ProgramOptions{Runtime: "nodejs"})
			},
			pkg: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, l schema.ReferenceLoader) (map[string][]byte, error) {
				return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, l)
			},
		}, nil
	case "python":
		return &generator{
			bindOptions: outputVersioned,
			program:     python.GenerateProgram,
			pkg: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, l schema.ReferenceLoader) (map[string][]byte, error) {
				return python.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, l)
			},
		}, nil
	case "go":
		return &generator{
			// The Go host binds strictly whatever the request says.
			bindOptions: func(bool) []pcl.BindOption { return []pcl.BindOption{pcl.PreferOutputVersionedInvokes} },
			program:     gogen.GenerateProgram,
			pkg: func(pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, _ schema.ReferenceLoader) (map[string][]byte, error) {
				if len(req.ExtraFiles) > 0 {
					return nil, errors.New("overlays are not supported for Go")
				}
				return gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
			},
			link: linkGo,
		}, nil
	}
	return nil, fmt.Errorf("language %q: the shim wraps nodejs, python and go", language)
}

// newLoader connects to the CLI's schema loader. An empty target is refused here: NewLoaderClient asserts on it, and
// a panic would take the shim, and so the old host, down.
func newLoader(target string) (*schema.LoaderClient, error) {
	if target == "" {
		return nil, status.Error(codes.InvalidArgument,
			"the request has no loader_target: the Pulumi CLI sets it to its schema loader's address")
	}
	return schema.NewLoaderClient(target)
}

// codegenServer answers the RPCs the wrapped hosts predate; ownMethods routes only those here.
type codegenServer struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	gen *generator
}

// GenerateProgram turns PCL (what `pulumi import` and `pulumi convert` produce) into the language's program.
func (s *codegenServer) GenerateProgram(
	_ context.Context, req *pulumirpc.GenerateProgramRequest,
) (*pulumirpc.GenerateProgramResponse, error) {
	loader, err := newLoader(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	parser := hclsyntax.NewParser()
	for path, contents := range req.Source {
		if err := parser.ParseFile(strings.NewReader(contents), path); err != nil {
			return nil, err
		}
		if parser.Diagnostics.HasErrors() {
			return nil, parser.Diagnostics
		}
	}
	program, diags, err := pcl.BindProgram(parser.Files, schema.NewCachedLoader(loader), s.gen.bindOptions(req.Strict)...)
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GenerateProgramResponse{Diagnostics: rpcDiags}, nil
	}
	if program == nil {
		return nil, errors.New("internal error: the bound program is nil")
	}
	files, diags, err := s.gen.program(program)
	if err != nil {
		return nil, err
	}
	rpcDiags = append(rpcDiags, plugin.HclDiagnosticsToRPCDiagnostics(diags)...)
	return &pulumirpc.GenerateProgramResponse{Source: files, Diagnostics: rpcDiags}, nil
}

// Link adds generated SDKs to a program; ownMethods routes it here only when the language has a link.
func (s *codegenServer) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return s.gen.link(ctx, req)
}

// GeneratePackage writes a package's SDK from its schema into req.Directory (`pulumi package gen-sdk`, `package add`).
func (s *codegenServer) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := newLoader(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()

	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	cached := schema.NewCachedLoader(loader)
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	rpcDiags := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
	}
	files, err := s.gen.pkg(pkg, req, cached)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("could not create output directory %s: %w", filepath.Dir(path), err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("could not write output file %s: %w", path, err)
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiags}, nil
}
