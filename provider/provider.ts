import type * as pulumi from "@pulumi/pulumi";
import { createNotifyClient, type NotifySettingClient } from "./client";
import { missingProfile, type ResolvedConfig, resolveSettings, type StackSettings } from "./config";
import { finishingOnInterrupt } from "./interrupt";
import type { NotifyEndpoint } from "./notifyEndpoint";
import { type ConnectionPools, createConnectionPools } from "./transport";
import { checkInputs, UNKNOWN } from "./validate";
import { type CallbackSetting, isUncertain, observedAfter, replacedBy, sentences } from "./writeOutcome";

/** What Pulumi stores for a notify-URL resource (its outputs). Every field may be missing in old state. */
export interface NotifySettingState {
    /** The live notify URL, as last read from WeChat Pay. */
    notifyUrl?: string;
    /** The merchant whose setting this is; also the resource id. */
    mchid?: string;
    /** The URL this resource last set. Kept across refreshes so drift can be told from our own write. */
    appliedNotifyUrl?: string;
    /** The URL that was live before this resource first set one; restored on destroy. Absent when there was none. */
    previousNotifyUrl?: string;
    /**
     * A URL this resource sent in an update whose outcome is unknown (no trustworthy answer, and a signed read could
     * not show it live). Destroy treats it as this resource's own, so the URL from before the stack is still restored;
     * the next refresh or `up` that sees it live records it as `appliedNotifyUrl`.
     */
    unconfirmedNotifyUrl?: string;
}

/** A create in this process: the URL it set, the URL it found live before, and the `previousNotifyUrl` it recorded. */
interface CreatedHere {
    readonly url: string;
    readonly before: string | undefined;
    readonly previous: string | undefined;
}

/**
 * The creates of this process (set, or maybe set), by API, base URL and merchant. A
 * resource renamed or re-parented without `aliases` is, to Pulumi, a new resource created before the old one is
 * deleted, in one deployment and so in one provider host; the old one's delete then finds "its" URL live, set again
 * by the new one. On `globalThis` because the host deserializes a provider per serialized string
 * (sdk/nodejs/cmd/dynamic-provider/index.ts getProvider: "the deletion of the old resource uses the provider with
 * which it was created"), and old and new may be different copies.
 */
const createdHere: Map<string, CreatedHere[]> = (() => {
    const key = Symbol.for("pulumi-wechatpay.createdInThisProcess");
    const store = globalThis as { [key]?: Map<string, CreatedHere[]> };
    store[key] ??= new Map();
    return store[key];
})();

/**
 * Forgets the creates of this process: what a new provider host would start with. In-process tests call it where a
 * real deployment would start a new host.
 * @internal
 */
export function forgetCreatesInThisProcess(): void {
    createdHere.clear();
}

/** The parts of `configure`'s request this provider reads. */
interface ConfigureRequest {
    config: { get(key: string): unknown };
}

/** One merchant's settings and client, made once per provider-host process on first use. */
interface Session {
    readonly config: ResolvedConfig;
    readonly client: NotifySettingClient;
}

/** The merchant a resource's inputs select: its `mchid` input, or undefined for the stack's default merchant. */
const chosenMchid = (inputs: Record<string, unknown>): string | undefined =>
    typeof inputs.mchid === "string" && inputs.mchid !== "" ? inputs.mchid : undefined;

/**
 * The dynamic provider behind every notify-URL resource; `endpoint` says which API it manages. Pulumi serializes
 * this object into every resource's state and re-creates it in its provider host, so it holds no credentials or
 * clients when serialized: `configure` (which runs only in the host) receives the stack config, and sessions are built
 * from it on first use.
 */
export class NotifySettingProvider implements pulumi.dynamic.ResourceProvider {
    /** Only ever set inside the provider host, after serialization. */
    private source: (() => StackSettings) | undefined;
    private settings: StackSettings | undefined;
    private sessions: Map<string, Session> | undefined;
    private pools: ConnectionPools | undefined;

    /** @param endpoint The API this provider manages. */
    constructor(readonly endpoint: NotifyEndpoint) {}

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
    private allSettings(): StackSettings {
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
            session = { config, client: createNotifyClient(this.endpoint, config, this.pools) };
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
        const failures = checkInputs(inputs, this.endpoint);
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
        olds: NotifySettingState,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> {
        if (news.mchid === UNKNOWN) {
            // Known only during `up` (another resource's output): the engine diffs again then, with the value, and
            // plans a replacement only if the merchant really changed.
            return { changes: true };
        }
        // Resolving the merchant checks its settings (a preview reports a missing key) without loading the HTTP client.
        const wanted = this.allSettings().forMerchant(chosenMchid(news)).mchid;
        if (wanted !== id) {
            return { changes: true, replaces: ["mchid"], deleteBeforeReplace: false };
        }
        // Also when the live URL is right but this resource did not record setting it (a PATCH whose answer was
        // lost landed later): updating records it, so destroy knows the URL is ours.
        const changes =
            news.notifyUrl === UNKNOWN ||
            news.notifyUrl !== olds.notifyUrl ||
            olds.unconfirmedNotifyUrl !== undefined ||
            (olds.appliedNotifyUrl !== undefined && news.notifyUrl !== olds.appliedNotifyUrl);
        return { changes };
    }

    /**
     * Whether a URL that was live before this resource must be recorded as `previousNotifyUrl`. One equal to ours
     * must be too where the API can DELETE: with nothing recorded, destroy would delete a URL the merchant had before
     * the resource existed. (Where it cannot, destroy leaves the URL either way, so an equal one is not recorded.)
     */
    private worthRestoring(before: string | undefined, ours: string): before is string {
        return before !== undefined && (before !== ours || this.endpoint.remove !== undefined);
    }

    /**
     * Records the URL live before us (adopting the merchant's setting), then sets ours: with the API's update method
     * when one is set, else its create method. (What a create answers when one is set, or an update when none is,
     * is undocumented for the APIs that have both; reading first avoids asking.)
     */
    async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
        return finishingOnInterrupt(() => this.createNow(inputs));
    }

    private async createNow(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
        const { config, client } = this.open(chosenMchid(inputs));
        const { name } = this.endpoint;
        const deadlineAt = Date.now() + config.deadlineMs;
        const notifyUrl = String(inputs.notifyUrl);
        const before = await client.getCallback({ deadlineAt });
        const recorded: NotifySettingState = {
            mchid: config.mchid,
            appliedNotifyUrl: notifyUrl,
            ...(this.worthRestoring(before.notifyUrl, notifyUrl) ? { previousNotifyUrl: before.notifyUrl } : {}),
        };
        // Printed before the write, to the deployment's output: if the deployment is killed while the write is in
        // flight, nothing reaches the state, and this line is where the merchant's URL from before can be found.
        if (before.notifyUrl === notifyUrl) {
            console.error(
                `${name} ${config.mchid}: the live URL is already ${notifyUrl}. If this resource was renamed or moved ` +
                    "to another parent without `aliases`, the old one's destroy leaves this URL in place (see " +
                    "'Renaming a resource' in the README); the URL from before the stack is in the old resource's " +
                    "`previousNotifyUrl`.",
            );
        } else {
            console.error(
                `${name} ${config.mchid}: the URL live before this resource is ${before.notifyUrl ?? "none"}` +
                    `${before.notifyUrl !== undefined ? "; destroy puts it back" : ""}. Setting ${notifyUrl}.`,
            );
        }
        let live: CallbackSetting;
        try {
            live = await client.setCallback(notifyUrl, { deadlineAt }, before.notifyUrl !== undefined);
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // The PATCH may still land. Report the resource as created but not initialized, so the engine keeps it
            // in state with the URL that was live before us: destroy can still restore it, and the next `up`
            // sends the PATCH again. ("" is not a URL: the next diff sees a change.)
            // A URL someone set after our read, which the uncertain write may have replaced, is the one to restore.
            const replaced = replacedBy(e);
            this.remember(
                config,
                notifyUrl,
                before.notifyUrl,
                this.worthRestoring(replaced, notifyUrl) ? replaced : recorded.previousNotifyUrl,
            );
            throw partiallyCreated(e, config.mchid, {
                ...recorded,
                ...(this.worthRestoring(replaced, notifyUrl) ? { previousNotifyUrl: replaced } : {}),
                notifyUrl: replaced ?? before.notifyUrl ?? "",
                __provider: inputs.__provider,
            });
        }
        // A URL someone set between our read and our create was replaced: it is the one to put back on destroy.
        const replaced = this.worthRestoring(live.replaced, notifyUrl) ? live.replaced : undefined;
        this.remember(config, notifyUrl, before.notifyUrl, replaced ?? recorded.previousNotifyUrl);
        return {
            id: live.mchid,
            outs: {
                ...recorded,
                ...(replaced !== undefined ? { previousNotifyUrl: replaced } : {}),
                notifyUrl: live.notifyUrl ?? notifyUrl,
                mchid: live.mchid,
            },
        };
    }

    /** Where {@link createdHere} keeps this API's creates for one merchant at one WeChat Pay. */
    private createdKey(config: ResolvedConfig): string {
        return `${this.endpoint.name} ${config.baseUrl} ${config.mchid}`;
    }

    /** Records a create that set (or may have set) `url` over `before`, for the deletes of this deployment. */
    private remember(config: ResolvedConfig, url: string, before: string | undefined, previous: string | undefined) {
        const key = this.createdKey(config);
        createdHere.set(key, [...(createdHere.get(key) ?? []), { url, before, previous }]);
    }

    /**
     * A create of this deployment that found `ours` live and replaced it: another resource took this setting over (a
     * rename or a new parent without `aliases`, or a replacement), so this resource's URL is no longer its to undo.
     * The same resource's own create (it recorded the same `previousNotifyUrl`) does not count.
     */
    private takenOverBy(config: ResolvedConfig, ours: string, props: NotifySettingState): CreatedHere | undefined {
        return createdHere
            .get(this.createdKey(config))
            ?.find((c) => c.before === ours && c.previous !== props.previousNotifyUrl);
    }

    /** One GET. Carries `appliedNotifyUrl`/`previousNotifyUrl` over unchanged and feeds the live URL to the next diff. */
    async read(id: string, props: NotifySettingState = {}): Promise<pulumi.dynamic.ReadResult> {
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
        const outs: NotifySettingState = { ...carried(props), notifyUrl: live.notifyUrl, mchid: live.mchid };
        if (props.notifyUrl === undefined && props.appliedNotifyUrl === undefined) {
            // An import (the engine reads with the id alone): adopt the live URL as this resource's, and as the one to
            // put back, so a later destroy sets the merchant's URL back to what it was at import (never DELETEs it).
            outs.appliedNotifyUrl = live.notifyUrl;
            outs.previousNotifyUrl = live.notifyUrl;
        }
        if (props.unconfirmedNotifyUrl !== undefined && live.notifyUrl !== props.unconfirmedNotifyUrl) {
            // Not live (yet): keep it, so destroy still knows it as ours if the write lands later.
            outs.unconfirmedNotifyUrl = props.unconfirmedNotifyUrl;
        } else if (props.unconfirmedNotifyUrl !== undefined) {
            // The update whose outcome was unknown did land: it is this resource's URL now.
            outs.appliedNotifyUrl = live.notifyUrl;
            delete outs.unconfirmedNotifyUrl;
        }
        // The inputs replace the stored ones: keep `mchid` for a merchant other than the stack's default (it can only
        // have come from the resource's `mchid` input), or a refresh would show it dropped as a change.
        const mchidInput = id !== this.allSettings().defaultMchid ? { mchid: id } : {};
        return { id, props: outs, inputs: { notifyUrl: live.notifyUrl, ...mchidInput } };
    }

    /** One write (the API's update method) with the new URL. */
    async update(
        id: string,
        olds: NotifySettingState,
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
        let live: CallbackSetting;
        try {
            live = await finishingOnInterrupt(() =>
                client.setCallback(notifyUrl, { deadlineAt: Date.now() + config.deadlineMs }),
            );
        } catch (e) {
            if (!isUncertain(e)) {
                throw e;
            }
            // WeChat Pay may still apply this URL. An update that fails keeps the old state, which does not know it:
            // a destroy would then take it for someone else's change and forget `previousNotifyUrl`. The dynamic
            // provider host turns an error carrying `id` and `properties` into ErrorResourceInitFailed for update as
            // for create (sdk/nodejs/cmd/dynamic-provider/index.ts, grpcResponseFromError), and the engine saves those
            // properties as the resource's new state (pkg/resource/deploy/step.go, UpdateStep.Apply: a
            // StatusPartialFailure keeps the outputs): the record of the unconfirmed URL survives the failure.
            // An earlier unconfirmed URL that the signed read shows live did land: it is this resource's now.
            const observed = observedAfter(e)?.notifyUrl;
            const landed = observed !== undefined && observed === olds.unconfirmedNotifyUrl ? observed : undefined;
            throw keptInState(e, id, {
                ...carried(olds),
                ...(olds.notifyUrl !== undefined ? { notifyUrl: landed ?? olds.notifyUrl } : {}),
                ...(landed !== undefined ? { appliedNotifyUrl: landed } : {}),
                mchid: id,
                unconfirmedNotifyUrl: notifyUrl,
                __provider: news.__provider,
            });
        }
        const outs: NotifySettingState = {
            ...carried(olds),
            notifyUrl: live.notifyUrl ?? notifyUrl,
            mchid: live.mchid,
            appliedNotifyUrl: notifyUrl,
        };
        delete outs.unconfirmedNotifyUrl;
        return { outs };
    }

    /**
     * Destroy puts back the URL that was live before this resource, but only when it is safe: the configured merchant
     * is this resource's, and the live URL is still the one we set (nobody changed it since). When there was no
     * previous URL, an API with DELETE clears the setting; one without (the member card, merchant coupons) leaves it.
     * Otherwise the live setting is left as it is, and the reason is printed.
     */
    async delete(id: string, props: NotifySettingState): Promise<void> {
        return finishingOnInterrupt(() => this.deleteNow(id, props));
    }

    private async deleteNow(id: string, props: NotifySettingState): Promise<void> {
        const { name, remove } = this.endpoint;
        const leave = (why: string) => {
            console.error(`${name} ${id}: leaving the live notify URL as it is: ${why}.`);
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
        if (ours === undefined) {
            // State that records no URL of ours (written by hand, or damaged) must never be read as "ours is gone".
            return leave("this resource's state records no URL it set");
        }
        try {
            // Read first, always: never restore over, or DELETE, a URL someone else set since.
            const live = await client.getCallback({ deadlineAt });
            const successor = this.takenOverBy(config, ours, props);
            if (successor !== undefined && (live.notifyUrl === successor.url || live.notifyUrl === ours)) {
                // Restoring now would undo what the new resource just did.
                return leave(
                    "another resource created in this deployment now manages it (a rename, a new parent or a " +
                        "replacement, without `aliases`; see 'Renaming a resource' in the README). The URL from before " +
                        `the stack was ${props.previousNotifyUrl ?? "none"}: ${
                            props.previousNotifyUrl !== undefined
                                ? "set it back by hand if you meant to"
                                : "destroying the new resource will not clear the URL; clear it in the merchant platform if you mean to"
                        }`,
                );
            }
            const isOurs =
                live.notifyUrl === ours ||
                (live.notifyUrl !== undefined && live.notifyUrl === props.unconfirmedNotifyUrl);
            if (!isOurs) {
                if (props.previousNotifyUrl !== undefined && live.notifyUrl === props.previousNotifyUrl) {
                    // An earlier destroy put it back and its answer was lost: nothing left to do.
                    return;
                }
                if (live.notifyUrl === undefined && props.previousNotifyUrl === undefined && remove !== undefined) {
                    // An earlier destroy removed it: nothing left to do.
                    return;
                }
                return leave(
                    `it was changed outside Pulumi (live ${live.notifyUrl ?? "none"}, this resource set ${ours}); ` +
                        `the URL from before the stack was ${props.previousNotifyUrl ?? "none"}`,
                );
            }
            if (props.previousNotifyUrl !== undefined) {
                await client.setCallback(props.previousNotifyUrl, { deadlineAt }, true);
            } else if (remove !== undefined) {
                await client.deleteCallback({ deadlineAt });
            } else {
                return leave("no URL was set before this resource, and WeChat Pay has no way to clear it");
            }
        } catch (e) {
            const what =
                props.previousNotifyUrl !== undefined
                    ? `Destroy could not restore the previous notify URL ${props.previousNotifyUrl}`
                    : remove !== undefined
                      ? "Destroy could not check and remove the notify URL"
                      : "Destroy could not check the live notify URL";
            // The error keeps its class and fields (callers tell WeChat Pay's refusals from network failures).
            throw withAdvice(
                e,
                `${what}; run \`pulumi destroy\` again (the resource stays in the stack until then), or keep the ` +
                    "live URL with the resource option `retainOnDelete: true` (or remove it from the stack with " +
                    "`pulumi state delete <urn>`)",
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
            sentences(
                message,
                "WeChat Pay may still apply this URL: the resource is kept in the stack, and the next `pulumi up` sets it again",
            ),
        ),
        { id, properties, reasons: [message] },
    );
}

/**
 * The same error as an update that Pulumi's host reports as "updated, but failed to initialize", so the engine saves
 * `properties` as the resource's state (see `update`).
 */
function keptInState(cause: unknown, id: string, properties: Record<string, unknown>): Error {
    const message = cause instanceof Error ? cause.message : String(cause);
    const unconfirmed = String(properties.unconfirmedNotifyUrl);
    return Object.assign(
        withAdvice(
            cause,
            `WeChat Pay may still apply ${unconfirmed}: the stack records it as unconfirmed, so \`pulumi destroy\` ` +
                "still restores the URL from before the stack, and the next `pulumi up` sets it again",
        ),
        { id, properties, reasons: [message] },
    );
}

/** `e` with `advice` added to its message; an Error keeps its class, `cause` and fields. */
function withAdvice(e: unknown, advice: string): Error {
    if (e instanceof Error) {
        e.message = sentences(e.message, advice);
        return e;
    }
    return new Error(sentences(String(e), advice));
}

/** The outputs `read` and `update` carry over unchanged from stored state. */
function carried(state: NotifySettingState): NotifySettingState {
    const out: NotifySettingState = {};
    if (state.appliedNotifyUrl !== undefined) {
        out.appliedNotifyUrl = state.appliedNotifyUrl;
    }
    if (state.previousNotifyUrl !== undefined) {
        out.previousNotifyUrl = state.previousNotifyUrl;
    }
    if (state.unconfirmedNotifyUrl !== undefined) {
        out.unconfirmedNotifyUrl = state.unconfirmedNotifyUrl;
    }
    return out;
}
