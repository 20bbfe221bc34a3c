/**
 * `ciba clients …`: register, list, show, rotate the secret of, and delete clients.
 */
import { readFileSync } from 'node:fs';
import { jwkFromPemCertificate } from '../../lambdas/core/client-keys/x509.js';
import type { Client } from '../../lambdas/core/model.js';
import { systemClock } from '../../lambdas/core/ports.js';
import { clientInformation, createClient } from '../../lambdas/core/registration/create-client.js';
import { rotateClientSecret } from '../../lambdas/core/registration/rotate-client-secret.js';
import { validateClientMetadata } from '../../lambdas/core/registration/validate-client-metadata.js';
import type { Commands } from '../command.js';
import { columns, fields, isoTime } from '../output.js';

/** At most this many clients are listed (one Query of the list index). */
const LIST_LIMIT = 200;

/**
 * Warm functions trust a client record they read for CIBA_CLIENT_CACHE_SECONDS
 * (lambdas/adapters/cached-client-repository.ts): a change reaches them within that time.
 */
const CACHE_NOTE = 'Running functions that read the client earlier notice within CIBA_CLIENT_CACHE_SECONDS (default 60 s).';

/** A client as shown: RFC 7591 client information, without the secret's hash. */
function shown(client: Client): Record<string, unknown> {
  return { client_id: client.clientId, client_id_issued_at: Math.floor(client.createdAt / 1000), ...client.metadata };
}

function noClient(clientId: string): Error {
  return new Error(`no client ${clientId}`);
}

export const clients: Commands = {
  create: {
    usage:
      'create [--name N] [--auth-method client_secret_basic|client_secret_post|private_key_jwt] [--mode poll] [--scope S]\n' +
      '[--certificate cert.pem [--kid K] [--alg RS256]] [--metadata JSON]',
    requiredArguments: 0,
    async run({ flags, target, output, repositories }) {
      const extra = flags.metadata ? (JSON.parse(flags.metadata) as Record<string, unknown>) : {};
      // A key given as a PEM certificate, as ForgeRock's X509 public-key selector takes it.
      const certificateKey = flags.certificate
        ? { jwks: { keys: [jwkFromPemCertificate(readFileSync(flags.certificate, 'utf8'), { ...(flags.kid ? { kid: flags.kid } : {}), alg: flags.alg ?? 'RS256' })] } }
        : {};
      // Validated exactly as dynamic registration validates a client.
      const metadata = validateClientMetadata(
        {
          ...(flags.name ? { client_name: flags.name } : {}),
          ...(flags['auth-method'] ? { token_endpoint_auth_method: flags['auth-method'] } : {}),
          backchannel_token_delivery_mode: flags.mode ?? 'poll',
          ...(flags.scope ? { scope: flags.scope } : {}),
          ...certificateKey,
          ...extra,
        },
        { deliveryModes: ['poll'], allowHttpUrls: target.endpoint !== undefined },
      );
      const created = await createClient(metadata, repositories().clients, systemClock);
      output.print(
        `Client created in ${target.description}\n  client_id      ${created.client.clientId}\n` +
          (created.clientSecret ? `  client_secret  ${created.clientSecret}   (shown once; only its hash is stored)\n` : ''),
        clientInformation(created),
      );
    },
  },

  list: {
    usage: 'list',
    requiredArguments: 0,
    async run({ target, output, repositories }) {
      const listed = await repositories().clients.list(LIST_LIMIT);
      const more = listed.length === LIST_LIMIT ? `\n(the first ${LIST_LIMIT} only)` : '';
      output.print(
        listed.length === 0
          ? `No clients in ${target.description}.`
          : columns([
              ['CLIENT_ID', 'REGISTERED', 'AUTH METHOD', 'DELIVERY', 'NAME'],
              ...listed.map((c) => [c.clientId, isoTime(c.createdAt), c.metadata.token_endpoint_auth_method, c.metadata.backchannel_token_delivery_mode ?? '-', c.metadata.client_name ?? '']),
            ]) + more,
        listed.map(shown),
      );
    },
  },

  show: {
    usage: 'show <client_id>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const clientId = args[0] as string;
      const client = await repositories().clients.find(clientId);
      if (!client) throw noClient(clientId);
      const info = shown(client);
      output.print(
        fields(
          `Client ${clientId}`,
          Object.entries(info).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
        ),
        info,
      );
    },
  },

  'rotate-secret': {
    usage: 'rotate-secret <client_id>   (prints the new secret once; the old one stops working)',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const clientId = args[0] as string;
      const rotation = await rotateClientSecret(clientId, repositories().clients);
      if (rotation.kind === 'unknownClient') throw noClient(clientId);
      if (rotation.kind === 'noSecret') throw new Error(`client ${clientId} authenticates with private_key_jwt: it has no secret (its keys are its credentials)`);
      if (rotation.kind === 'changedMeanwhile') throw new Error(`client ${clientId} changed while its secret was being rotated (another rotation or a deletion); nothing was changed by this one`);
      output.print(
        `New secret for ${clientId}:\n  client_secret  ${rotation.clientSecret}   (shown once; only its hash is stored)\n` +
          `The old secret no longer authenticates. ${CACHE_NOTE}`,
        { client_id: clientId, client_secret: rotation.clientSecret, client_secret_expires_at: 0 },
      );
    },
  },

  delete: {
    usage: 'delete <client_id>',
    requiredArguments: 1,
    async run({ args, output, repositories }) {
      const clientId = args[0] as string;
      if (!(await repositories().clients.remove(clientId))) throw noClient(clientId);
      // Access and ID tokens are self-contained JWTs that resource servers verify on their own: nothing
      // the provider stores can recall them. Everything that needs the client to authenticate at the
      // token endpoint (refresh grants, pending requests) stops, because the client is gone.
      const consequences =
        'Tokens already issued to it stay valid until they expire (access tokens are JWTs verified without asking the provider). ' +
        'Its refresh tokens and pending requests stop working: redeeming them needs the client to authenticate.';
      output.print(`Client ${clientId} deleted.\n${consequences}\n${CACHE_NOTE}`, {
        client_id: clientId,
        deleted: true,
        issued_tokens_valid_until_expiry: true,
        refresh_tokens_usable: false,
      });
    },
  },
};
