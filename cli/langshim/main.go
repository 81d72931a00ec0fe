// Command pulumi-language-shim stands in for a Pulumi language host (pulumi-language-nodejs, -python or -go) whose
// release predates the code-generation RPCs of the CLI we build (v3.276.0). It starts the old host, serves
// GenerateProgram and GeneratePackage itself with pkg/v3/codegen at the CLI's release (and Link for Go, for
// `pulumi package add`), and forwards every other LanguageRuntime call to the old host unchanged.
//
// The language is the suffix of the name it runs under (`pulumi-language-<lang>`; scripts/cliBuild.ts installs one
// copy per language); the old host is the executable beside it named `pulumi-language-<lang>-<release>`, the
// release set at build time (`-X main.hostReleases=nodejs=v3.68.0,python=v3.68.0,go=v3.66.0`).
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// hostReleases is set by the build: comma-separated `<lang>=<release>` pairs naming the wrapped hosts.
var hostReleases = ""

const namePrefix = "pulumi-language-"

// identify returns the language this copy serves and the path of the old host it wraps.
func identify() (string, string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("cannot locate the shim's own executable: %w", err)
	}
	name := filepath.Base(os.Args[0])
	language := strings.TrimPrefix(name, namePrefix)
	if language == name {
		return "", "", fmt.Errorf("run as %q: install the shim as %s<nodejs|python|go>", name, namePrefix)
	}
	for _, pair := range strings.Split(hostReleases, ",") {
		lang, release, ok := strings.Cut(pair, "=")
		if ok && lang == language {
			return language, filepath.Join(filepath.Dir(self), namePrefix+language+"-"+release), nil
		}
	}
	return "", "", fmt.Errorf("no wrapped host for language %q (built with hostReleases=%q): rebuild with npm run cli:build",
		language, hostReleases)
}

func run() (int, error) {
	language, hostPath, err := identify()
	if err != nil {
		return 1, err
	}
	gen, err := generatorFor(language)
	if err != nil {
		return 1, err
	}
	child, err := startHost(hostPath, os.Args[1:])
	if err != nil {
		return 1, err
	}
	defer child.stop()

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", child.port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// The CLI sends programs and schemas of any size; so does the old host in return.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		return 1, fmt.Errorf("cannot dial the wrapped host %s: %w", hostPath, err)
	}
	defer conn.Close()

	// Hosts listen on 127.0.0.1 and print the port as the first line of stdout
	// (sdk/go/common/resource/plugin/plugin.go at v3.276.0, newPlugin/parsePort).
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1, err
	}
	server := grpc.NewServer(
		grpc.ForceServerCodec(frameCodec{}),
		grpc.UnknownServiceHandler(forwarder(conn)),
		grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
	own := []string{"GenerateProgram", "GeneratePackage"}
	if gen.link != nil {
		own = append(own, "Link")
	}
	server.RegisterService(ownMethods(own), &codegenServer{gen: gen})
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)
	go child.copyStdout(os.Stdout)

	served := make(chan error, 1)
	go func() { served <- server.Serve(lis) }()
	select {
	case err := <-served:
		return 1, err
	case code := <-child.exited:
		// The old host exits when the engine goes away (its health check); so do we, with its status.
		server.Stop()
		return code, nil
	case <-interrupted():
		server.Stop()
		return 0, nil
	}
}

// ownMethods is the LanguageRuntime service limited to the calls the shim answers; gRPC hands every other method
// to the UnknownServiceHandler (google.golang.org/grpc server.go: "invoked instead of returning the unimplemented
// gRPC error whenever a request is received for an unregistered service or method").
func ownMethods(names []string) *grpc.ServiceDesc {
	desc := pulumirpc.LanguageRuntime_ServiceDesc
	desc.Methods = nil
	desc.Streams = nil
	for _, m := range pulumirpc.LanguageRuntime_ServiceDesc.Methods {
		if slices.Contains(names, m.MethodName) {
			desc.Methods = append(desc.Methods, m)
		}
	}
	return &desc
}

func main() {
	code, err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-shim: %v\n", err)
	}
	os.Exit(code)
}
