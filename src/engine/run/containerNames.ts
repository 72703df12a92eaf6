// A container created without --name gets a readable one, `adjective_surname`, as podman
// and docker give (scripts and people read `ps` by name, not by a hex prefix). The
// surnames are scientists and engineers; the lists are tspod's own.
import {randomBytes} from '../../util/randomBytes';

const ADJECTIVES = [
  `agile`, `amber`, `ardent`, `bold`, `brave`, `bright`, `busy`, `calm`, `candid`, `cheerful`, `clever`, `cosmic`, `crisp`,
  `curious`, `daring`, `deft`, `eager`, `earnest`, `elated`, `epic`, `fearless`, `festive`, `fluent`, `focused`, `frank`,
  `gallant`, `gentle`, `glad`, `golden`, `gracious`, `happy`, `hardy`, `hopeful`, `humble`, `jolly`, `keen`, `kind`,
  `lucid`, `lively`, `loyal`, `lucky`, `merry`, `mellow`, `modest`, `nimble`, `noble`, `patient`, `placid`, `plucky`,
  `polite`, `proud`, `quick`, `quiet`, `radiant`, `rapid`, `serene`, `sharp`, `silent`, `sincere`, `smart`, `snappy`,
  `sober`, `spry`, `steady`, `stoic`, `sunny`, `swift`, `tender`, `tidy`, `trusty`, `upbeat`, `valiant`, `vivid`, `warm`,
  `wise`, `witty`, `zealous`, `zen`,
];

const SURNAMES = [
  `agnesi`, `ampere`, `archimedes`, `avogadro`, `babbage`, `bardeen`, `bohr`, `boltzmann`, `boole`, `carson`, `cauchy`,
  `cerf`, `chandrasekhar`, `clarke`, `conway`, `curie`, `darwin`, `dijkstra`, `dirac`, `euclid`, `euler`, `faraday`,
  `fermat`, `fermi`, `feynman`, `franklin`, `galileo`, `gauss`, `germain`, `goodall`, `hamilton`, `hawking`, `heisenberg`,
  `hertz`, `hilbert`, `hodgkin`, `hopper`, `hubble`, `huygens`, `hypatia`, `jackson`, `johnson`, `joule`, `kepler`,
  `knuth`, `kovalevskaya`, `lamarr`, `laplace`, `leibniz`, `lovelace`, `maxwell`, `meitner`, `mendel`, `mirzakhani`,
  `morse`, `napier`, `newton`, `nobel`, `noether`, `ohm`, `pascal`, `pasteur`, `pauli`, `planck`, `poincare`, `ramanujan`,
  `riemann`, `ritchie`, `rutherford`, `sagan`, `shannon`, `somerville`, `tesla`, `thompson`, `torvalds`, `turing`,
  `volta`, `watt`, `wiles`, `wozniak`, `wu`, `yalow`,
];

/** A random `adjective_surname` (util/randomBytes: loading node:crypto would cost ~6 ms a run; the tiny modulo bias does not matter for a name). */
export function randomContainerName(): string {
  const r = randomBytes(4);
  return `${ADJECTIVES[r.readUInt16LE(0) % ADJECTIVES.length]}_${SURNAMES[r.readUInt16LE(2) % SURNAMES.length]}`;
}
