// Types of build-cli.mjs (imported by the tests).
export declare const CLI_DIR: string;
export declare const CLI_ENTRY: string;
export declare function cliBuildIsCurrent(): boolean;
export declare function buildCli(opts?: { log?: (msg: string) => void }): Promise<void>;
