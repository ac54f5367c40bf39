// Named volumes Slipway creates (for `storage:mount APP name:/path` when the volume did not exist)
// carry Slipway's labels, so destroying the app removes exactly those and never a user's own.
import type Dockerode from 'dockerode';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';
import { ConflictError } from '../errors.js';
import { dockerFailure, engineMessage, hasStatus } from './errors.js';
import { LABEL, labelFilter, slipwayLabels, type Labels } from './labels.js';

export interface VolumeInfo { name: string; labels: Record<string, string>; mountpoint: string }

// Docker's rule for volume names.
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkVolumeName(name: string): string {
  if (name.length > 255 || !VOLUME_NAME.test(name)) throw new SlipwayError('E_INVALID_VOLUME', `invalid volume name ${shown(name)}`, 1);
  return name;
}

export class Volumes {
  constructor(private readonly docker: Dockerode, private readonly host: string) {}

  /** Slipway's volumes matching every label given. */
  async list(labels: Labels): Promise<VolumeInfo[]> {
    try {
      const { Volumes: found } = await this.docker.listVolumes({ filters: labelFilter({ ...labels, [LABEL.managed]: 'true' }) });
      return (found ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint }));
    } catch (error) {
      throw dockerFailure('list volumes', this.host, error);
    }
  }

  /** The volume, or undefined when there is none of that name (whoever made it). */
  async find(name: string): Promise<VolumeInfo | undefined> {
    try {
      const v = (await this.docker.getVolume(checkVolumeName(name)).inspect()) as Dockerode.VolumeInspectInfo;
      return { name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw dockerFailure(`inspect volume ${name}`, this.host, error);
    }
  }

  /** Create a labelled volume unless one of that name exists; true when this call created it. */
  async ensure(name: string, labels: Labels): Promise<boolean> {
    if (await this.find(name)) return false;
    try {
      await this.docker.createVolume({ Name: checkVolumeName(name), Labels: slipwayLabels(labels) });
      return true;
    } catch (error) {
      throw dockerFailure(`create volume ${name}`, this.host, error);
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.docker.getVolume(checkVolumeName(name)).remove();
    } catch (error) {
      if (hasStatus(error, 404)) return;
      if (hasStatus(error, 409)) throw new ConflictError('E_VOLUME_IN_USE', `volume ${name} is in use: ${engineMessage(error)}`);
      throw dockerFailure(`remove volume ${name}`, this.host, error);
    }
  }
}
