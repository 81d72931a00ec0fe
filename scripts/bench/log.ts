/** Progress on stderr, stamped with the seconds since the bench started (stdout is for the tables). */

export const started = performance.now();

export const log = (message: string): void => {
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
};
