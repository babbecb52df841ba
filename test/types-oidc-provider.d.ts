/** The little of oidc-provider (it ships no types) that the tests' provider uses. */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    Grant: new (properties: {
      clientId: string;
      accountId: string;
    }) => {
      addOIDCScope(scope: string): void;
      addOIDCClaims(claims: string[]): void;
      save(): Promise<string>;
    };
    use(
      middleware: (
        ctx: { response: { get(name: string): string }; redirect(url: string): void },
        next: () => Promise<void>,
      ) => Promise<void>,
    ): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default Provider;
}
