import * as pulumi from "@pulumi/pulumi";

/** The inputs of a {@link CallbackRoute}. */
export interface CallbackRouteArgs {
    /** Path prefix the route lives under, without slashes at either end, e.g. `wechatpay/membercard`. */
    prefix: pulumi.Input<string>;
}

interface RouteInputs {
    prefix: string;
}

interface RouteOutputs extends RouteInputs {
    token: string;
    path: string;
}

/**
 * Mints the route's token on create, and only then: the token (and every URL built from it) is unknown during the
 * preview that precedes the first `pulumi up`, like the URL of an API gateway or a function that does not exist yet.
 */
const routeProvider: pulumi.dynamic.ResourceProvider<RouteInputs, RouteOutputs> = {
    async create(inputs) {
        // Pulumi serializes this object into the stack's state and runs it in its provider host: load what it needs
        // inside the function rather than capturing module-level values.
        const { randomBytes } = require("node:crypto") as typeof import("node:crypto");
        const token = randomBytes(16).toString("hex");
        return { id: token, outs: { prefix: inputs.prefix, token, path: `/${inputs.prefix}/${token}` } };
    },
    async diff(_id, olds, news) {
        // A new prefix means a new route, and a new token with it.
        const replace = olds.prefix !== news.prefix;
        return { changes: replace, replaces: replace ? ["prefix"] : [] };
    },
};

/**
 * An unguessable callback route, `/<prefix>/<token>`, that your HTTP router serves for WeChat Pay's member-card
 * events. A stand-in for any resource whose output becomes known only when it is created.
 */
export class CallbackRoute extends pulumi.dynamic.Resource {
    /** The random path segment, minted on create. */
    declare readonly token: pulumi.Output<string>;
    /** `/<prefix>/<token>`. */
    declare readonly path: pulumi.Output<string>;

    constructor(name: string, args: CallbackRouteArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            routeProvider,
            name,
            { prefix: args.prefix, token: undefined, path: undefined },
            opts,
            "example",
            "CallbackRoute",
        );
    }
}
