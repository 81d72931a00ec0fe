import * as pulumi from "@pulumi/pulumi";
import type { NotifySettingProvider } from "./provider";

/** The inputs every notify-URL resource takes (each resource documents its own API's rules). */
export interface NotifySettingArgs {
    /**
     * The https URL WeChat Pay sends these notifications to. An absolute `https://` URL within the API's length
     * limit, reachable from the internet, with a path and without a query string or port; this package also asks for
     * plain ASCII (percent-encoded), a public host name or address, and no fragment or credentials. It is sent
     * exactly as given, trimmed. It may come from another resource's output.
     */
    notifyUrl: pulumi.Input<string>;
    /**
     * The merchant (商户号) whose URL this is, for stacks that manage several merchants: selects the profile
     * `wechatpay:merchants.<mchid>` in stack config. Changing it replaces the resource (the old merchant's setting is
     * restored with the old merchant's own credentials).
     *
     * @default the stack's `wechatpay:mchid`
     * @example "1900000002"
     */
    mchid?: pulumi.Input<string>;
}

/**
 * What every notify-URL resource is: one URL per merchant at one WeChat Pay API, adopted on create, read on refresh,
 * put back (or removed, where the API can) on destroy. Each subclass names its API through its provider.
 */
export abstract class NotifySettingResource extends pulumi.dynamic.Resource {
    /** The live notify URL, as last read from WeChat Pay. */
    declare readonly notifyUrl: pulumi.Output<string>;
    /** The merchant id (商户号) the URL belongs to; also the resource id. */
    declare readonly mchid: pulumi.Output<string>;
    /** The URL this resource last set. Differs from `notifyUrl` after someone changed it outside Pulumi. */
    declare readonly appliedNotifyUrl: pulumi.Output<string>;
    /** The URL that was live before this resource first set one, put back on destroy; undefined when none was. */
    declare readonly previousNotifyUrl: pulumi.Output<string | undefined>;

    /**
     * @param provider The installed module's provider object for this API (so `__provider` is a `require()`).
     * @param name The unique name of the resource.
     * @param args The notify URL to set.
     * @param opts Resource options. `retainOnDelete: true` leaves the live URL in place on destroy.
     */
    protected constructor(
        provider: NotifySettingProvider,
        name: string,
        args: NotifySettingArgs,
        opts?: pulumi.CustomResourceOptions,
    ) {
        const { name: type, setting } = provider.endpoint;
        super(
            provider,
            name,
            {
                notifyUrl: args.notifyUrl,
                mchid: claimed(type, setting, name, args.mchid),
                appliedNotifyUrl: undefined,
                previousNotifyUrl: undefined,
            },
            opts,
            "wechatpay",
            type,
        );
    }
}

/** Which resource of the running deployment manages which merchant, per type, keyed by the deployment. */
const claims = new WeakMap<object, Map<string, string>>();

/** The merchant this program's stack config (or environment) selects; the provider host resolves the same way. */
function configuredMchid(): string | undefined {
    const value = new pulumi.Config("wechatpay").get("mchid") ?? process.env.WECHATPAY_MCHID;
    return value?.trim() || undefined;
}

/**
 * The running deployment: its root Stack resource, or under `pulumi.runtime.setMocks` (no Stack resource unless the
 * test makes one) the mock monitor, which each `setMocks` call replaces. Undefined outside any Pulumi program.
 */
function deployment(): object | undefined {
    return pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor();
}

/**
 * WeChat Pay keeps one URL per merchant at each of these APIs: two resources of one type for the same merchant would
 * overwrite each other on every `up`. Refuse the second one. The check is per deployment and per type, so
 * Automation API programs that run several times in one process are not confused, and one merchant may have one
 * resource of each type.
 *
 * A merchant known now is checked now, so the constructor throws. A merchant that is an Output (or a promise) is
 * checked when its value is known: the returned input then fails with the same error, which fails this resource's
 * registration and the program. While the value is unknown (a preview where it comes from a resource not yet
 * created) it cannot be checked; `pulumi up` checks it.
 */
function claimed(
    type: string,
    setting: string,
    name: string,
    mchid: pulumi.Input<string> | undefined,
): pulumi.Input<string> | undefined {
    const scope = deployment();
    if (typeof mchid === "string" || mchid === undefined) {
        claimMerchant(scope, type, setting, name, mchid || configuredMchid());
        return mchid;
    }
    const fallback = configuredMchid();
    return pulumi.output(mchid).apply((known) => {
        claimMerchant(scope, type, setting, name, known || fallback);
        return known;
    });
}

function claimMerchant(
    scope: object | undefined,
    type: string,
    setting: string,
    name: string,
    mchid: string | undefined,
): void {
    if (scope === undefined || mchid === undefined) {
        return;
    }
    const owners = claims.get(scope) ?? new Map<string, string>();
    claims.set(scope, owners);
    const key = `${type}/${mchid}`;
    const owner = owners.get(key);
    if (owner !== undefined) {
        throw new Error(
            `${type} "${name}" would manage merchant ${mchid}, which ${type} "${owner}" in this stack already ` +
                `manages. WeChat Pay keeps one ${setting} per merchant, so the two would overwrite each other on ` +
                `every update: keep one ${type} per merchant.`,
        );
    }
    owners.set(key, name);
}
