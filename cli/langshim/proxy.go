package main

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// maxMessage is the CLI's own limit (sdk/go/common/util/rpcutil/serve.go at v3.276.0, maxRPCMessageSize: 400 MiB).
const maxMessage = 400 * 1024 * 1024

// frame is a message the shim passes on without decoding it.
type frame struct{ data []byte }

// frameCodec keeps forwarded messages as bytes and (un)marshals the shim's own RPCs as protobuf. It keeps the
// name "proto" so that the content type on the wire is the one both peers expect.
type frameCodec struct{}

func (frameCodec) Name() string { return "proto" }

func (frameCodec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case *frame:
		return m.data, nil
	case proto.Message:
		return proto.Marshal(m)
	}
	return nil, fmt.Errorf("frameCodec: cannot marshal %T", v)
}

func (frameCodec) Unmarshal(data []byte, v any) error {
	switch m := v.(type) {
	case *frame:
		// gRPC may reuse the buffer after Unmarshal returns.
		m.data = append([]byte(nil), data...)
		return nil
	case proto.Message:
		return proto.Unmarshal(data, m)
	}
	return fmt.Errorf("frameCodec: cannot unmarshal into %T", v)
}

// forwarder relays any call, unary or streaming, to the old host: messages both ways as they come, then the
// host's headers, trailers and status. Unary calls are a stream of one message each way, so one handler does all.
func forwarder(host *grpc.ClientConn) grpc.StreamHandler {
	return func(_ any, in grpc.ServerStream) error {
		method, ok := grpc.MethodFromServerStream(in)
		if !ok {
			return status.Error(codes.Internal, "pulumi-language-shim: call without a method name")
		}
		ctx := in.Context()
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			ctx = metadata.NewOutgoingContext(ctx, md.Copy())
		}
		out, err := host.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method,
			grpc.ForceCodec(frameCodec{}))
		if err != nil {
			return err
		}
		requests := make(chan error, 1)
		go func() { requests <- relayRequests(in, out) }()
		replies := make(chan error, 1)
		go func() { replies <- relayReplies(out, in) }()
		for {
			select {
			case err := <-requests:
				if err != nil {
					return status.Errorf(codes.Unavailable, "pulumi-language-shim: forwarding %s: %v", method, err)
				}
				requests = nil // the caller is done sending; wait for the host to finish
			case err := <-replies:
				in.SetTrailer(out.Trailer())
				return err
			}
		}
	}
}

func relayRequests(in grpc.ServerStream, out grpc.ClientStream) error {
	for {
		var f frame
		if err := in.RecvMsg(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return out.CloseSend()
			}
			return err
		}
		if err := out.SendMsg(&f); err != nil {
			// The host ended the call; its status comes through relayReplies.
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// relayReplies returns nil when the host ends the call successfully, else the host's status error as is.
func relayReplies(out grpc.ClientStream, in grpc.ServerStream) error {
	header, err := out.Header()
	if err != nil {
		return err
	}
	if err := in.SendHeader(header); err != nil {
		return err
	}
	for {
		var f frame
		if err := out.RecvMsg(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := in.SendMsg(&f); err != nil {
			return err
		}
	}
}
