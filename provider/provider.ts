import type * as pulumi from "@pulumi/pulumi";
import {
    type CallbackSetting,
    type ConnectionPools,
    createClient,
    createConnectionPools,
    isUncertain,
    type MembercardCallbackClient,
} from "./client";
import { missingProfile, type ResolvedConfig, resolveSettings, type Settings } from "./config";
import { checkInputs, UNKNOWN } from "./validate";

/** What Pulumi stores for a MembercardCallback (its outputs). Every field may be missing in old state. */
export interface MembercardCallbackState {
    /** The live notify URL, as last read from WeChat Pay. */
    notifyUrl?: string;
    /** The merchant whose setting this is; also the resource id. */
    mchid?: string;
    /** The URL this resource last set. Kept across refreshes so drift can be told from our own write. */
    appliedNotifyUrl?: string;
    /** The URL that was live before this resource first set one; restored on destroy. Absent when there was none. */
    previousNotifyUrl?: string;
}

/** The parts of `configure`'s request this provider reads. */
interface ConfigureRequest {
    config: { get(key: string): unknown };
}

/** One merchant's settings and client, made once per provider-host process on first use. */
interface Session {
    readonly config: ResolvedConfig;
    readonly client: MembercardCallbackClient;
}

/** The merchant a resource's inputs select: its `mchid` input, or undefined for the stack's default merchant. */
const chosenMchid = (inputs: Record<string, unknown>): string | undefined =>
    typeof inputs.mchid === "string" && inputs.mchid !== "" ? inputs.mchid : undefined;

/**
 * The dynamic provider behind {@link MembercardCallback}. Pulumi serializes this object into every resource's state and
 * re-creates it in its provider host, so it holds no credentials or clients when serialized: `configure` (which
 * runs only in the host) receives the stack config, and sessions are built from it on first use.
 */
export class MembercardCallbackProvider implements pulumi.dynamic.ResourceProvider {
    /** Only ever set inside the provider host, after serialization. */
    private source: (() => Settings) | undefined;
    private settings: Settings | undefined;
    private sessions: Map<string, Session> | undefined;
    private pools: ConnectionPools | undefined;

    /**
     * Receives the stack config. Stores it synchronously, before any await: the host may hand this provider to other
     * calls while `configure` is still running.
     */
    async configure(req: ConfigureRequest): Promise<void> {
        this.settings = undefined;
        this.sessions = undefined;
        this.source = () => resolveSettings((key) => req.config.get(key), process.env);
    }

    /** All settings, resolved on first use; a settings error (naming the key) is thrown every time. */
    private allSettings(): Settings {
        // Without a configure call (a CLI older than 3.139), the environment is the only source.
        this.settings ??= this.source ? this.source() : resolveSettings(() => undefined, process.env);
        return this.settings;
    }

    /** The session of merchant `mchid` (default: `wechatpay:mchid`): its own credentials, keys and client. */
    private open(mchid?: string): Session {
        const config = this.allSettings().forMerchant(mchid);
        this.sessions ??= new Map();
        let session = this.sessions.get(config.mchid);
        if (session === undefined) {
            this.pools ??= createConnectionPools();
            session = { config, client: createClient(config, this.pools) };
            this.sessions.set(config.mchid, session);
        }
        return session;
    }

    /** Validates `notifyUrl` (trimmed) and that a chosen `mchid` has credentials; sends nothing. */
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
        const inputs = { ...news };
        if (typeof inputs.notifyUrl === "string" && inputs.notifyUrl !== UNKNOWN) {
            inputs.notifyUrl = inputs.notifyUrl.trim();
        }
        const failures = checkInputs(inputs);
        const mchid = chosenMchid(inputs);
        if (mchid === UNKNOWN || failures.some((f) => f.property === "mchid")) {
            return { inputs, failures };
        }
        // Settings that are missing or broken fail here, naming the key, so `pulumi preview` shows them before an
        // `up` sends anything: the engine calls no Diff before creating a new resource. No request is sent.
        const settings = this.allSettings();
        if (mchid !== undefined && !settings.has(mchid)) {
            failures.push({ property: "mchid", reason: missingProfile(mchid, settings.defaultMchid) });
        } else {
            settings.forMerchant(mchid);
        }
        return { inputs, failures };
    }

    /**
     * Plans without calling WeChat Pay: a new URL is an update; another merchant (a changed `mchid` input, or another
     * `wechatpay:mchid`) is a replacement.
     */
    async diff(
        id: string,
        olds: MembercardCallbackState,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> {
        // Resolving the merchant checks its settings (a preview reports a missing key) without loading the HTTP client.
        const wanted = news.mchid === UNKNOWN ? UNKNOWN : this.allSettings().forMerchant(chosenMchid(news)).mchid;
        if (wanted !== id) {
            return { changes: true, replaces: ["mchid"], deleteBeforeReplace: false };
        }
        // Also when the live URL is right but this resource did not record setting it (a PATCH whose answer was
        // lost landed later): updating records it, so destroy knows the URL is ours.
        const changes =
            news.notifyUrl === UNKNOWN ||
            news.notifyUrl !== olds.notifyUrl ||
            (olds.appliedNotifyUrl !== undefined && news.notifyUrl !== olds.appliedNotifyUrl);
        return { changes };
    }

    /** Records the URL live before us (adopting the merchant's setting), then sets ours. */
    async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
        const { config, client } = this.open(chosenMchid(inputs));
        const deadlineAt = Date.now() + config.deadlineMs;
        const notifyUrl = String(inputs.notifyUrl);
        const before = await client.getCallback({ deadlineAt });
        const recorded: MembercardCallbackState = {
            mchid: config.mchid,
            appliedNotifyUrl: notifyUrl,
            ...(before.notifyUrl !== undefined && before.notifyUrl !== notifyUrl
                ? { previousNotifyUrl: before.notifyUrl }
                : {}),
        };
        let live: CallbackSetting;
        try {
            live = await client.setCallback(notifyUrl, { deadlineAt });
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // The PATCH may still land. Report the resource as created but not initialized, so the engine keeps it
            // in state with the URL that was live before us: destroy can still restore it, and the next `up`
            // sends the PATCH again. ("" is not a URL: the next diff sees a change.)
            throw partiallyCreated(e, config.mchid, {
                ...recorded,
                notifyUrl: before.notifyUrl ?? "",
                __provider: inputs.__provider,
            });
        }
        return { id: live.mchid, outs: { ...recorded, notifyUrl: live.notifyUrl ?? notifyUrl, mchid: live.mchid } };
    }

    /** One GET. Carries `appliedNotifyUrl`/`previousNotifyUrl` over unchanged and feeds the live URL to the next diff. */
    async read(id: string, props: MembercardCallbackState = {}): Promise<pulumi.dynamic.ReadResult> {
        if (!this.allSettings().has(id)) {
            // No credentials for merchant `id` in this stack's config: keep what is known, and let diff plan the
            // replacement. (The host rejects undefined values, so leave out what is missing.)
            return { id, props, ...(props.notifyUrl !== undefined ? { inputs: { notifyUrl: props.notifyUrl } } : {}) };
        }
        const { config, client } = this.open(id);
        const live = await client.getCallback({ deadlineAt: Date.now() + config.deadlineMs });
        if (live.notifyUrl === undefined) {
            // Nothing is set: the resource is gone, and the next `up` creates it again.
            return {};
        }
        const outs: MembercardCallbackState = { ...carried(props), notifyUrl: live.notifyUrl, mchid: live.mchid };
        return { id, props: outs, inputs: { notifyUrl: live.notifyUrl } };
    }

    /** One PATCH with the new URL. */
    async update(
        id: string,
        olds: MembercardCallbackState,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.UpdateResult> {
        const { config, client } = this.open(id);
        const wanted = chosenMchid(news);
        if (wanted !== undefined && wanted !== id) {
            throw new Error(
                `This resource manages merchant ${id}, not ${wanted}; changing merchant replaces the resource`,
            );
        }
        const notifyUrl = String(news.notifyUrl);
        const live = await client.setCallback(notifyUrl, { deadlineAt: Date.now() + config.deadlineMs });
        const outs: MembercardCallbackState = {
            ...carried(olds),
            notifyUrl: live.notifyUrl ?? notifyUrl,
            mchid: live.mchid,
            appliedNotifyUrl: notifyUrl,
        };
        return { outs };
    }

    /**
     * The API has no DELETE. Destroy puts back the URL that was live before this resource, but only when it is safe:
     * the configured merchant is this resource's, the live URL is still the one we set (nobody changed it since), and
     * there was a previous URL. Otherwise the live setting is left as it is, and the reason is printed.
     */
    async delete(id: string, props: MembercardCallbackState): Promise<void> {
        const leave = (why: string) => {
            console.error(`MembercardCallback ${id}: leaving the live notify URL as it is: ${why}.`);
        };
        const settings = this.allSettings();
        if (!settings.has(id)) {
            // Never act on merchant `id` with another merchant's credentials.
            return leave(
                `this stack's config has no credentials for merchant ${id} (neither \`wechatpay:merchants.${id}\` nor ` +
                    `\`wechatpay:mchid\`, which is ${settings.defaultMchid ?? "unset"})`,
            );
        }
        const { config, client } = this.open(id);
        const deadlineAt = Date.now() + config.deadlineMs;
        const ours = props.appliedNotifyUrl ?? props.notifyUrl;
        try {
            const live = await client.getCallback({ deadlineAt });
            if (live.notifyUrl !== ours) {
                return leave(
                    `it was changed outside Pulumi (live ${live.notifyUrl ?? "none"}, this resource set ${ours})`,
                );
            }
            if (props.previousNotifyUrl === undefined) {
                return leave("no URL was set before this resource, and WeChat Pay has no way to clear it");
            }
            await client.setCallback(props.previousNotifyUrl, { deadlineAt });
        } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            const what =
                props.previousNotifyUrl === undefined
                    ? "Destroy could not check the live notify URL"
                    : `Destroy could not restore the previous notify URL ${props.previousNotifyUrl}`;
            throw new Error(
                `${message}. ${what}; run \`pulumi destroy\` again, or keep the live URL with the resource option ` +
                    "`retainOnDelete: true` (or remove it from the stack with `pulumi state delete <urn>`)",
            );
        }
    }
}

/**
 * An error that Pulumi's dynamic-provider host turns into "created, but failed to initialize" (it reads `id` and
 * `properties`), so the engine records the resource instead of forgetting it.
 */
function partiallyCreated(cause: unknown, id: string, properties: Record<string, unknown>): Error {
    const message = cause instanceof Error ? cause.message : String(cause);
    return Object.assign(
        new Error(
            `${message}. WeChat Pay may still apply this URL: the resource is kept in the stack, and the next \`pulumi up\` sets it again`,
        ),
        { id, properties, reasons: [message] },
    );
}

/** The outputs `read` and `update` carry over unchanged from stored state. */
function carried(state: MembercardCallbackState): MembercardCallbackState {
    const out: MembercardCallbackState = {};
    if (state.appliedNotifyUrl !== undefined) {
        out.appliedNotifyUrl = state.appliedNotifyUrl;
    }
    if (state.previousNotifyUrl !== undefined) {
        out.previousNotifyUrl = state.previousNotifyUrl;
    }
    return out;
}
