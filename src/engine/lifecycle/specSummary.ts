// What ps shows from a container's OCI spec (its command and bind mounts), kept in the
// container's record when it is created so that ps reads no config.json per container.
import type {RuntimeSpec} from '../../oci/runtimeSpec';

export interface SpecSummary {
  command: Array<string>;
  /** Destinations of user bind mounts (not tspod's own /etc, /dev and /run/.containerenv files). */
  mounts: Array<string>;
}

export function specSummary(spec: RuntimeSpec | undefined): SpecSummary {
  return {
    command: spec?.process?.args ?? [],
    mounts: (spec?.mounts ?? []).filter(x => x.type === `bind` && !x.destination.startsWith(`/etc/`) && !x.destination.startsWith(`/dev`) && !x.destination.startsWith(`/run/.containerenv`)).map(x => x.destination),
  };
}
