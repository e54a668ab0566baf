/** REST paths for the resources the controller touches. */
import { GROUP, PLURAL, VERSION } from '../manifest/crd.js';

export const loadTestCollection = (namespace?: string) =>
  namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
export const loadTestPath = (namespace: string, name: string) => `${loadTestCollection(namespace)}/${name}`;
export const loadTestStatusPath = (namespace: string, name: string) =>
  `${loadTestPath(namespace, name)}/status`;
export const configMaps = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps`;
export const jobs = (namespace: string) => `/apis/batch/v1/namespaces/${namespace}/jobs`;
export const events = (namespace: string) => `/api/v1/namespaces/${namespace}/events`;
