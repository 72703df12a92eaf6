import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class VolumeCreateCommand extends BaseCommand {
  static override paths = [[`volume`, `create`]];
  static override usage = Command.Usage({
    description: `Create a new volume`,
    details: `Creates a named volume under the graph root (volumes/NAME/_data). Without NAME a random name is used.`,
    examples: [[`Create a volume`, `$0 volume create data`], [`A tmpfs volume`, `$0 volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=64m scratch`]],
  });

  label = Option.Array(`-l,--label`, [], {description: `Set metadata for a volume (key=value)`});
  ignore = Option.Boolean(`--ignore`, false, {description: `Don't fail if the volume already exists`});
  driver = Option.String(`-d,--driver`, {description: `Volume driver: local (the only one)`});
  opt = Option.Array(`-o,--opt`, [], {description: `The local driver's options: type=tmpfs, device=…, o=… (mount options); o=bind with device=/host/dir for a bind volume`});
  name = Option.String({name: `NAME`, required: false});

  async execute() {
    const labels = Object.fromEntries(this.label.map(l => {
      const i = l.indexOf(`=`);
      return i < 0 ? [l, ``] : [l.slice(0, i), l.slice(i + 1)];
    }));
    const options = Object.fromEntries(this.opt.map(o => {
      const i = o.indexOf(`=`);
      return i < 0 ? [o, ``] : [o.slice(0, i), o.slice(i + 1)];
    }));
    const v = await this.engine.createVolume({name: this.name, labels, ignore: this.ignore, driver: this.driver, options});
    this.out(v.Name);
    return 0;
  }
}
