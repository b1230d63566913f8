import { execFileSync } from 'node:child_process';

/**
 * A second "host" on this machine: a network namespace joined to this one by a veth pair, so a process started in
 * it (`command`) reaches the collector from another address, over a real link, as a shipper on another machine
 * would. Needs root and iproute2 (CI runs as root on Debian); fails loudly otherwise.
 */
export interface TestHost {
  name: string;
  /** This side's address on the link: where a collector listens for the guest. */
  hostAddress: string;
  /** The address of processes in the namespace. */
  guestAddress: string;
  /** argv prefix that runs a program in the namespace (`ip netns exec` execs it: the pid is the program's). */
  command: string[];
  dispose(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Creates the namespace with a /30 derived from the pid, so concurrent test runs on one machine (several
 * worktrees) get their own link. The addresses exist only on this link, inside this machine.
 */
export function createTestHost(tag: string): TestHost {
  const index = process.pid % 16384;
  const third = index >> 6;
  const base = (index & 63) * 4;
  const hostAddress = `10.251.${third}.${base + 1}`;
  const guestAddress = `10.251.${third}.${base + 2}`;
  const name = `lsh-${tag}-${process.pid}`;
  const outside = `lsv${process.pid}o`;
  const inside = `lsv${process.pid}i`;
  const dispose = (): void => {
    try {
      ip(['link', 'del', outside]);
    } catch {
      // Already gone (deleting the namespace removes its end, and the pair with it).
    }
    try {
      ip(['netns', 'del', name]);
    } catch {
      // Not there.
    }
  };
  dispose(); // a namespace left by a killed earlier run of this pid
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    ip(['link', 'set', inside, 'netns', name]);
    ip(['addr', 'add', `${hostAddress}/30`, 'dev', outside]);
    ip(['link', 'set', outside, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${guestAddress}/30`, 'dev', inside]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', inside, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    dispose();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`Cannot create the test host ${name} (needs root and iproute2): ${stderr || String(err)}`);
  }
  return { name, hostAddress, guestAddress, command: ['ip', 'netns', 'exec', name], dispose };
}
