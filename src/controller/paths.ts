/** REST paths for the resources the controller touches. */
import { GROUP, PLURAL, VERSION } from '../manifest/crd.js';

export const loadTestCollection = (namespace?: string) =>
  namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
export const loadTestPath = (namespace: string, name: string) => `${loadTestCollection(namespace)}/${name}`;
export const loadTestStatusPath = (namespace: string, name: string) =>
  `${loadTestPath(namespace, name)}/status`;
/** `/namespaces/NS`, or nothing for every namespace (watches of a cluster-wide controller). */
const scope = (namespace?: string) => (namespace ? `/namespaces/${namespace}` : '');

export const configMaps = (namespace: string) => `/api/v1${scope(namespace)}/configmaps`;
export const configMapPath = (namespace: string, name: string) => `${configMaps(namespace)}/${name}`;
export const jobs = (namespace?: string) => `/apis/batch/v1${scope(namespace)}/jobs`;
export const jobPath = (namespace: string, name: string) => `${jobs(namespace)}/${name}`;
export const pods = (namespace?: string) => `/api/v1${scope(namespace)}/pods`;
export const events = (namespace: string) => `/api/v1${scope(namespace)}/events`;
export const leases = (namespace: string) => `/apis/coordination.k8s.io/v1${scope(namespace)}/leases`;

/** A collection path filtered by a label selector. */
export const withLabels = (path: string, selector: string) =>
  `${path}?labelSelector=${encodeURIComponent(selector)}`;
