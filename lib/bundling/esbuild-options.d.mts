// Types of esbuild-options.mjs.
export declare const LAMBDA_NODE_TARGET: 'node24';
export declare const ESM_REQUIRE_BANNER: string;
export declare const BUNDLE_ALIASES: Readonly<Record<string, string>>;
export declare const BUNDLE_ESBUILD_OPTIONS: {
  readonly bundle: true;
  readonly platform: 'node';
  readonly target: 'node24';
  readonly format: 'esm';
  readonly minify: true;
  readonly mainFields: readonly ['module', 'main'];
  readonly banner: { readonly js: string };
  readonly alias: Readonly<Record<string, string>>;
};
