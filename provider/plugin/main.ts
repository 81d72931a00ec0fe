/**
 * The `pulumi-resource-wechatpay` plugin's entry point: the engine runs it with its own address as the argument and
 * reads the port from the first line of stdout.
 */
import { serve } from "./server";

serve().catch((e: unknown) => {
    console.error(`pulumi-resource-wechatpay: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
});
