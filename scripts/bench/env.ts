/** The environments the bench's child processes start with: no `WECHATPAY_*` fallbacks, no NODE_OPTIONS. */

/** The inherited environment without `WECHATPAY_*` (the host must see only the stack config) or NODE_OPTIONS. */
export function plainEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith("WECHATPAY_") && k !== "NODE_OPTIONS") {
            env[k] = v;
        }
    }
    return env;
}

/** `env` for startProviderHost: removes the same variables from what the host inherits. */
export function hostEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { NODE_OPTIONS: undefined };
    for (const k of Object.keys(process.env)) {
        if (k.startsWith("WECHATPAY_")) {
            env[k] = undefined;
        }
    }
    return { ...env, ...extra };
}
