import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';

/** A person at the test provider: `login` is what is typed on its sign-in form (and the subject). */
export interface ProviderPerson {
  email?: string;
  email_verified?: boolean;
  name?: string;
  roles?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** the people the provider knows, by login name; change them between sign-ins */
  people: Map<string, ProviderPerson>;
  /** how long an authorization code lasts, in seconds (60 unless a test shortens it) */
  codeTtlSeconds: number;
  /**
   * Called with the address the provider is about to send the browser back to QA Loop with (the
   * code and state on it): a test may change it, or take its time (the code ages meanwhile).
   */
  beforeReturn: ((url: URL) => void | Promise<void>) | undefined;
  close(): Promise<void>;
}

/** A free port on loopback, for an app that must know its own address before it listens. */
export { freePort } from './ports.ts';

/**
 * A real OpenID provider (the `oidc-provider` package) on 127.0.0.1 and a free port, with one
 * confidential client whose redirect addresses are the test apps'. Its development sign-in form
 * accepts any login name with any password; the claims are those of `people` for that name.
 * Consent is taken as given (a council's own application), so no consent page is shown.
 */
export async function startTestProvider(options: {
  /** the test apps' addresses (http://127.0.0.1:PORT), each with a callback and a post-logout address */
  appBaseUrls: string[];
  people?: Record<string, ProviderPerson>;
}): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'qaloop-test';
  const clientSecret = 'a-client-secret-for-the-tests-only';
  const people = new Map(Object.entries(options.people ?? {}));
  const control: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    people,
    codeTtlSeconds: 60,
    beforeReturn: undefined,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };

  const callbacks = options.appBaseUrls.map((b) => `${b}/sign-in/oidc/callback`);
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.appBaseUrls.map((b) => `${b}/sign-in/oidc/callback`),
        post_logout_redirect_uris: options.appBaseUrls.map((b) => `${b}/sign-in?signedOut=1`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'roles'],
    },
    // The claims go in the ID token itself, as Entra ID puts them.
    conformIdTokenClaims: false,
    cookies: { keys: ['test-provider-cookie-key'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { AuthorizationCode: () => control.codeTtlSeconds },
    async findAccount(_ctx: unknown, sub: string) {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...people.get(sub) };
        },
      };
    },
    async loadExistingGrant(ctx: {
      oidc: {
        client: { clientId: string };
        session: { accountId: string; grantIdFor(clientId: string): string | undefined };
        result?: { consent?: { grantId?: string } };
        provider: Provider & { Grant: { find(id: string): Promise<unknown> } };
      };
    }) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const grant = new oidc.provider.Grant({
        clientId: oidc.client.clientId,
        accountId: oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  // The provider's own warnings about its development settings are expected here.
  provider.on('server_error', (_ctx, error) => console.error('test provider error', error));
  provider.use(async (ctx, next) => {
    await next();
    const location = ctx.response.get('location');
    if (!control.beforeReturn || !location || !callbacks.some((c) => location.startsWith(c))) return;
    const url = new URL(location);
    await control.beforeReturn(url);
    ctx.redirect(url.href);
  });
  server.on('request', provider.callback());
  return control;
}
