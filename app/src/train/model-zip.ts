/**
 * The download of a trained model: its folder's files (vaekit's `modelFolderFiles`, the layout Node's
 * file store writes) zipped under one top folder, `model/`, so that unzipping gives a folder
 * `vaekit info model` reads.
 */
import { zipSync } from 'fflate';

/** The zip's file name and its top folder. */
export const MODEL_ZIP = Object.freeze({ fileName: 'vaekit-model.zip', folder: 'model' });

/**
 * Zips a model folder's files under {@link MODEL_ZIP}.folder.
 * @param files - path in the folder ('encoder/model.json') → bytes
 * @returns the zip file's bytes (deflated)
 */
export function zipModelFolder(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, bytes]) => [`${MODEL_ZIP.folder}/${path}`, bytes])));
}
