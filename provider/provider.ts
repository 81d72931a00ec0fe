import type * as pulumi from "@pulumi/pulumi";
import { createClient, type MembercardCallbackClient } from "./client";
import { type ResolvedConfig, resolveConfig } from "./config";
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

/** Settings and client of one provider-host process, made once on first use. */
interface Session {
    readonly config: ResolvedConfig;
    readonly client: MembercardCallbackClient;
}

/**
 * The dynamic provider behind {@link MembercardCallback}. Pulumi serializes this object into every resource's state and
 * re-creates it in its provider host, so it holds no credentials or clients when serialized: `configure` (which
 * runs only in the host) receives the stack config, and the session is built from it on first use.
 */
export class MembercardCallbackProvider implements pulumi.dynamic.ResourceProvider {
    /** Only ever set inside the provider host, after serialization. */
    private settings: (() => ResolvedConfig) | undefined;
    private session: Session | undefined;

    /**
     * Receives the stack config. Stores it synchronously, before any await: the host may hand this provider to other
     * calls while `configure` is still running.
     */
    async configure(req: ConfigureRequest): Promise<void> {
        this.session = undefined;
        this.settings = () => resolveConfig((key) => req.config.get(key), process.env);
    }

    /** The session, resolving settings on first use; a settings error (naming the key) is thrown every time. */
    private open(): Session {
        if (this.session === undefined) {
            // Without a configure call (a CLI older than 3.139), the environment is the only source.
            const config = this.settings ? this.settings() : resolveConfig(() => undefined, process.env);
            this.session = { config, client: createClient(config) };
        }
        return this.session;
    }

    /** Validates `notifyUrl` (trimmed); sends nothing. */
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
        const inputs = { ...news };
        if (typeof inputs.notifyUrl === "string" && inputs.notifyUrl !== UNKNOWN) {
            inputs.notifyUrl = inputs.notifyUrl.trim();
        }
        return { inputs, failures: checkInputs(inputs) };
    }

    /** Plans without calling WeChat Pay: a new URL is an update; another configured merchant is a replacement. */
    async diff(
        id: string,
        olds: MembercardCallbackState,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> {
        const { config } = this.open();
        if (config.mchid !== id) {
            return { changes: true, replaces: ["mchid"], deleteBeforeReplace: false };
        }
        const changes = news.notifyUrl === UNKNOWN || news.notifyUrl !== olds.notifyUrl;
        return { changes };
    }

    /** Records the URL live before us (adopting the merchant's setting), then sets ours. */
    async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
        const { config, client } = this.open();
        const deadlineAt = Date.now() + config.deadlineMs;
        const notifyUrl = String(inputs.notifyUrl);
        const before = await client.getCallback({ deadlineAt });
        const live = await client.setCallback(notifyUrl, { deadlineAt });
        const outs: MembercardCallbackState = {
            notifyUrl: live.notifyUrl ?? notifyUrl,
            mchid: live.mchid,
            appliedNotifyUrl: notifyUrl,
            ...(before.notifyUrl !== undefined && before.notifyUrl !== notifyUrl
                ? { previousNotifyUrl: before.notifyUrl }
                : {}),
        };
        return { id: live.mchid, outs };
    }

    /** One GET. Carries `appliedNotifyUrl`/`previousNotifyUrl` over unchanged and feeds the live URL to the next diff. */
    async read(id: string, props: MembercardCallbackState = {}): Promise<pulumi.dynamic.ReadResult> {
        const { config, client } = this.open();
        if (config.mchid !== id) {
            // This process holds another merchant's credentials and cannot read merchant `id`; keep what is known
            // and let diff plan the replacement.
            return { id, props, inputs: { notifyUrl: props.notifyUrl } };
        }
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
        const { config, client } = this.open();
        if (config.mchid !== id) {
            throw new Error(
                `This resource manages merchant ${id}, but \`wechatpay:mchid\` is ${config.mchid}; changing merchant replaces the resource`,
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
        const { config, client } = this.open();
        const leave = (why: string) => {
            console.error(`MembercardCallback ${id}: leaving the live notify URL as it is: ${why}.`);
        };
        if (config.mchid !== id) {
            return leave(`the configured merchant (\`wechatpay:mchid\`) is ${config.mchid}, not ${id}`);
        }
        const deadlineAt = Date.now() + config.deadlineMs;
        const live = await client.getCallback({ deadlineAt });
        const ours = props.appliedNotifyUrl ?? props.notifyUrl;
        if (live.notifyUrl !== ours) {
            return leave(`it was changed outside Pulumi (live ${live.notifyUrl ?? "none"}, this resource set ${ours})`);
        }
        if (props.previousNotifyUrl === undefined) {
            return leave("no URL was set before this resource, and WeChat Pay has no way to clear it");
        }
        try {
            await client.setCallback(props.previousNotifyUrl, { deadlineAt });
        } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            throw new Error(
                `${message}. Destroy could not restore the previous notify URL ${props.previousNotifyUrl}; run ` +
                    "`pulumi destroy` again, or keep the live URL with the resource option `retainOnDelete: true` " +
                    "(or remove it from the stack with `pulumi state delete <urn>`)",
            );
        }
    }
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
