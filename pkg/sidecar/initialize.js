/**
 * `eks-pod-identity-agent initialize`: puts the agent's link-local addresses on the node, as the
 * agent's init container does (agent 0.1.37 `pkg/initalizer/executor.go`, `iproute/link.go`,
 * `iproute/route_linux.go`), through iproute2's `ip` instead of netlink:
 * - the dummy link `pod-id-link0`, created when missing;
 * - `169.254.170.23/32` and `fd00:ec2::23/128` on it, each unless an address of the link already
 *   covers it;
 * - the link up;
 * - a route to each in the main table through the link, unless one is there; a route to it through
 *   another link is an error (remove it and try again), never re-pointed.
 * IPv4 is required (a failure exits 1); IPv6 is optional (a failure is logged and skipped). IPv6 is
 * added with `nodad`: usable at once, where the agent relies on the dummy link skipping the check.
 * Needs NET_ADMIN. Idempotent: it runs again on every pod start.
 */
import { execFileSync } from 'node:child_process';
import { BlockList, isIPv4 } from 'node:net';

export const LINK_NAME = 'pod-id-link0';
/** The agent's addresses, IPv4 first (required), then IPv6 (optional). */
export const LINK_LOCAL = Object.freeze([
  Object.freeze({ family: 'ipv4', flag: '-4', address: '169.254.170.23', prefix: 32, optional: false }),
  Object.freeze({ family: 'ipv6', flag: '-6', address: 'fd00:ec2::23', prefix: 128, optional: true }),
]);

/** `ip` failed: its stderr's last line, and the command. */
export class IpError extends Error {
  constructor(args, error) {
    const said = String(error?.stderr ?? '').trim().split('\n').pop() || error?.message || 'failed';
    super(`ip ${args.join(' ')}: ${said}`);
    this.name = 'IpError';
  }
}

/** Runs `ip` (from PATH) and returns its stdout; `-j` output parsed. */
function ip(args) {
  let out;
  try {
    out = execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new IpError(args, error);
  }
  return args.includes('-j') ? JSON.parse(out || '[]') : out;
}

/** Whether an address `{local, prefixlen}` of the link covers `address` (the agent's `Contains`). */
function covers({ local, prefixlen }, { family, address }) {
  if ((family === 'ipv4') !== isIPv4(local)) return false;
  const block = new BlockList();
  block.addSubnet(local, prefixlen, family);
  return block.check(address, family);
}

/** A route's destination as `{address, prefix}` (`default` is the whole family; a bare address is one host). */
function destination(dst, family) {
  if (dst === 'default') return { address: family === 'ipv4' ? '0.0.0.0' : '::', prefix: 0 };
  const [address, prefix] = dst.split('/');
  return { address, prefix: prefix === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefix) };
}

/**
 * Creates the link, the addresses and the routes. Resolves when IPv4 is set up (IPv6 may have
 * failed: logged at `error`); throws an `IpError` when IPv4 cannot be.
 * @param {{ log: Function }} io a `jsonLogger`
 */
export function initialize({ log }) {
  try {
    ip(['-j', 'link', 'show', 'dev', LINK_NAME]);
  } catch {
    log({ level: 'info', msg: 'Link was not found, creating it', link: LINK_NAME });
    ip(['link', 'add', LINK_NAME, 'type', 'dummy']);
  }
  const step = (want, what) => {
    try {
      what();
      return true;
    } catch (error) {
      if (!want.optional || !(error instanceof IpError)) throw error;
      log({ level: 'error', msg: `Unable to configure family ${want.family}: ${error.message}`, link: LINK_NAME, ip: `${want.address}/${want.prefix}` });
      return false;
    }
  };
  const configured = LINK_LOCAL.filter((want) => step(want, () => {
    const [link] = ip(['-j', want.flag, 'address', 'show', 'dev', LINK_NAME]);
    const found = (link?.addr_info ?? []).some((info) => covers(info, want));
    if (found) {
      log({ level: 'info', msg: `Found IP ${want.address} on interface ${LINK_NAME}, continuing`, link: LINK_NAME });
      return;
    }
    log({ level: 'info', msg: `Adding IP ${want.address}/${want.prefix} to ${LINK_NAME} as it was not found on interface`, link: LINK_NAME });
    ip([want.flag, 'address', 'add', `${want.address}/${want.prefix}`, 'dev', LINK_NAME, ...(want.family === 'ipv6' ? ['nodad'] : [])]);
  }));
  log({ level: 'info', msg: `Bringing up link: ${LINK_NAME}`, link: LINK_NAME });
  ip(['link', 'set', 'dev', LINK_NAME, 'up']);
  for (const want of configured) {
    step(want, () => {
      const routes = ip(['-j', want.flag, 'route', 'show', 'table', 'main']);
      const same = routes.find((route) => {
        const dst = destination(route.dst, want.family);
        return dst.prefix === want.prefix && covers({ local: dst.address, prefixlen: dst.prefix }, want);
      });
      if (same && same.dev !== LINK_NAME) {
        throw new IpError([want.flag, 'route'], { message: `expected route ${want.address}/${want.prefix} to be on interface ${LINK_NAME} but it is on ${same.dev}, please remove the route and try again` });
      }
      if (same) {
        log({ level: 'info', msg: `Route (dst: ${want.address}/${want.prefix}, dev: ${LINK_NAME}) already exists, skipping creation`, link: LINK_NAME });
        return;
      }
      ip([want.flag, 'route', 'add', `${want.address}/${want.prefix}`, 'dev', LINK_NAME]);
      log({ level: 'info', msg: `Created route (dst: ${want.address}/${want.prefix}, dev: ${LINK_NAME})`, link: LINK_NAME });
    });
  }
  return { addresses: configured.map((want) => want.address) };
}
