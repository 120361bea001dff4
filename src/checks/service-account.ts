/** A ServiceAccount named NAMESPACE/NAME, as --token-request takes it. */

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SERVICE_ACCOUNT = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** `NAMESPACE/NAME`, each as Kubernetes names them; undefined when it is not. */
export function parseServiceAccountRef(raw: string): ServiceAccountRef | undefined {
  const [namespace = '', name = '', ...rest] = raw.split('/');
  if (rest.length > 0 || !NAMESPACE.test(namespace) || !SERVICE_ACCOUNT.test(name)) return undefined;
  return { namespace, name };
}
