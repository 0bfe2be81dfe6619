/**
 * Optional CPU pinning (Linux `taskset`): servers on one core, the load generator on another, so the two do
 * not trade places on the same core mid-run and each server is measured under the same conditions.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

let available: boolean | undefined;

export function pinningAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    available = availableParallelism() >= 2;
  } catch {
    available = false;
  }
  return available;
}

/** Pins every thread of `pid` (and threads it creates later) to `cpu`; false if that failed. */
export function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
