import { JenkinsError } from './client/index.js';
import { JenkinsRefused, JenkinsUnavailable } from './jenkins.errors.js';

/**
 * Run a client call and turn Jenkins' failures into coded API errors: unreachable, timed out,
 * breaker open or 5xx → 503 (try later); a 4xx refusal → 502 with what Jenkins said. `notFound`
 * maps a Jenkins 404 (a build or artifact that does not exist) to the caller's own error.
 */
export async function jenkinsCall<T>(fn: () => Promise<T>, notFound?: () => Error): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof JenkinsError)) throw e;
    if (e.kind === 'not-found' && notFound) throw notFound();
    if (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'unavailable' || (e.status !== null && e.status >= 500))
      throw new JenkinsUnavailable({ reason: e.message });
    throw new JenkinsRefused({ status: e.status, reason: e.jenkinsMessage ?? e.message });
  }
}
