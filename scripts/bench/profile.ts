export async function profilePhase(_f: unknown): Promise<string> {
    return "";
}
