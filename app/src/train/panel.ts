/**
 * The trainer panel: pick data (MNIST from the site, a dropped or picked folder of PNG images, a CSV
 * file), a latent size and epochs; train a VAE live with vaekit's trainer, the loss curve and the
 * latent map redrawn as it goes; download the trained model folder as a zip.
 *
 * Element IDs (the end-to-end test's handles): #train-source (select: 'mnist' when the site has it,
 * 'files', 'csv'), #train-count, #train-files, #train-csv, #train-latent, #train-epochs,
 * #train-start, #train-stop, #train-download, #train-error, and #train-status, whose text says the
 * epoch and the loss and whose attributes hold, after each epoch, `data-epoch` (epochs done) and
 * `data-loss` (that epoch's mean training loss, nats per example), and `data-state` ('idle',
 * 'loading', 'training', 'done', 'stopped', 'error').
 */
import * as tf from '@tensorflow/tfjs';
import { modelFolderFiles, resolveTrainOptions, type LatentVariableModel, type SiteIndex, type StepInfo } from 'vaekit';
import { csvData } from './csv-data.js';
import { lossCurveView } from './curve-view.js';
import { PAGE_DEFAULTS } from './defaults.js';
import { latentMapView } from './map-view.js';
import { mnistData, type MnistArrays } from './mnist-data.js';
import { MODEL_ZIP, zipModelFolder } from './model-zip.js';
import type { PageData } from './page-data.js';
import { isCurvePoint, windowLoss, type CurvePoint } from './loss-curve.js';
import { pngFolderData } from './png-data.js';
import { latentMap, pageModel, pageTrainOptions, trainInPage, type PageTrainSettings } from './session.js';
import { classifyFiles, decodePngFiles, droppedFiles, fetchMnist, pickedFiles, type PathFile } from './sources.js';

type Source = 'mnist' | 'files' | 'csv';
type State = 'idle' | 'loading' | 'training' | 'done' | 'stopped' | 'error';

/** Builds an element with attributes and children. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const numberInput = (id: string, value: number, min: number, max: number) =>
  h('input', { id, type: 'number', value: String(value), min: String(min), max: String(max) });

/** An integer input's value, checked. @throws Error naming the field */
function intValue(input: HTMLInputElement, what: string, min: number, max: number): number {
  const v = Number(input.value);
  if (!(Number.isInteger(v) && v >= min && v <= max)) throw new Error(`${what}: expected an integer from ${min} to ${max}, got '${input.value}'`);
  return v;
}

/** The first line of an error's message. */
const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Mounts the trainer in `root`.
 * @param opts.site - the site's index (site.json): `datasets.mnist` is the MNIST folder, or null (then MNIST is not offered)
 * @param opts.siteUrl - the site root's absolute URL, ending with '/'
 */
export function mountTrainer(root: HTMLElement, opts: { site: SiteIndex; siteUrl: string }): void {
  const mnistFolder = opts.site.datasets.mnist;
  const source = h(
    'select',
    { id: 'train-source' },
    ...(mnistFolder ? [h('option', { value: 'mnist', textContent: 'MNIST (from this site)' })] : []),
    h('option', { value: 'files', textContent: 'a folder of PNG images' }),
    h('option', { value: 'csv', textContent: 'a CSV file' }),
  );
  const count = numberInput('train-count', PAGE_DEFAULTS.mnistTrainImages, 1, 60000);
  count.step = '100';
  const filesInput = h('input', { id: 'train-files', type: 'file', multiple: true });
  filesInput.webkitdirectory = true;
  const csvInput = h('input', { id: 'train-csv', type: 'file', accept: '.csv,text/csv' });
  const latent = numberInput('train-latent', PAGE_DEFAULTS.latentDim, 1, 256);
  const epochs = numberInput('train-epochs', PAGE_DEFAULTS.epochs, 1, 1000);
  const start = h('button', { id: 'train-start', type: 'button', textContent: 'Train' });
  const stop = h('button', { id: 'train-stop', type: 'button', textContent: 'Stop', disabled: true });
  const download = h('button', { id: 'train-download', type: 'button', textContent: 'Download model', disabled: true });
  const bySource: Record<Source, HTMLElement> = {
    mnist: h('label', {}, 'training images ', count),
    files: h('label', {}, 'folder ', filesInput),
    csv: h('label', {}, 'file ', csvInput),
  };
  const dataLine = h('div', { id: 'train-data', className: 'muted', textContent: 'Drop a folder of PNG images or a CSV file onto the page, or pick one.' });
  const status = h('div', { id: 'train-status', role: 'status' });
  const error = h('div', { id: 'train-error', role: 'alert', hidden: true });
  error.style.color = '#b00020';
  const plots = h('div', { className: 'row' });
  const curveBox = h('div');
  const mapBox = h('div');
  plots.append(curveBox, mapBox);
  root.append(
    h('div', {}, h('label', {}, 'data ', source), ...Object.values(bySource)),
    h('div', {}, h('label', {}, 'latent size ', latent), h('label', {}, 'epochs ', epochs), start, stop, download),
    dataLine,
    status,
    error,
    plots,
  );
  const curve = lossCurveView(curveBox);
  const map = latentMapView(mapBox);

  let mnistArrays: Promise<MnistArrays> | null = null;
  let dropped: { source: 'files' | 'csv'; data: PageData } | null = null;
  let model: LatentVariableModel | null = null;
  let isStopping = false;
  let isBusy = false;

  /** The status line; with `epoch`, its attributes too (data-loss removed while no epoch has finished). */
  const setStatus = (state: State, text: string, epoch?: { epoch: number; loss: number | null }) => {
    status.dataset.state = state;
    status.textContent = text;
    if (epoch) {
      status.dataset.epoch = String(epoch.epoch);
      if (epoch.loss === null) delete status.dataset.loss;
      else status.dataset.loss = String(epoch.loss);
    }
  };
  const showError = (e: unknown) => {
    error.textContent = oneLine(e);
    error.hidden = false;
  };
  const clearError = () => {
    error.hidden = true;
    error.textContent = '';
  };
  const showSource = () => {
    for (const [k, el] of Object.entries(bySource)) el.hidden = k !== source.value;
  };
  /** Disables the controls while data loads or a model trains (Stop only while training). */
  const setBusy = (busy: boolean, isTraining = false) => {
    isBusy = busy;
    start.disabled = busy;
    stop.disabled = !isTraining;
    download.disabled = busy || model === null;
    for (const input of [source, count, filesInput, csvInput, latent, epochs]) input.disabled = busy;
  };
  setStatus('idle', 'not trained yet', { epoch: 0, loss: null });
  showSource();
  source.addEventListener('change', showSource);

  /** Reads dropped or picked files into the page's data (decoding PNG images), or shows why not. */
  const takeFiles = async (files: PathFile[]) => {
    if (isBusy) return showError(new Error('busy: wait for the data to load or stop training, then drop the files again'));
    clearError();
    setBusy(true);
    try {
      const what = classifyFiles(files);
      source.value = what.kind;
      showSource();
      setStatus('loading', what.kind === 'csv' ? `reading ${what.file.path}…` : `decoding ${what.files.length} images…`);
      const data =
        what.kind === 'csv'
          ? csvData(await what.file.file.text(), what.file.path.split('/').pop()!)
          : pngFolderData(await decodePngFiles(what.files, (done, total) => setStatus('loading', `decoding images: ${done} of ${total}`)));
      dropped = { source: what.kind, data };
      dataLine.textContent = data.description;
      setStatus('idle', 'data ready; press Train');
    } catch (e) {
      dropped = null;
      setStatus('error', 'could not read the data');
      showError(e);
    } finally {
      setBusy(false);
    }
  };
  filesInput.addEventListener('change', () => filesInput.files && void takeFiles(pickedFiles(filesInput.files)));
  csvInput.addEventListener('change', () => csvInput.files && void takeFiles(pickedFiles(csvInput.files)));
  // Files dropped anywhere on the page (and not opened by the browser in place of it).
  document.addEventListener('dragover', (ev) => {
    if (ev.dataTransfer?.types.includes('Files')) ev.preventDefault();
  });
  document.addEventListener('drop', (ev) => {
    if (!ev.dataTransfer?.types.includes('Files')) return;
    ev.preventDefault();
    const files = droppedFiles(ev.dataTransfer);
    files.then(takeFiles, (e) => showError(e));
  });

  /** The data of the chosen source. @throws Error when there is none yet, or it cannot be read */
  const chosenData = async (): Promise<PageData> => {
    const s = source.value as Source;
    if (s === 'mnist') {
      const numTrain = intValue(count, 'training images', 1, 60000);
      setStatus('loading', 'fetching MNIST…');
      mnistArrays ??= fetchMnist(mnistFolder!, opts.siteUrl);
      try {
        return mnistData(await mnistArrays, { numTrain, numTest: PAGE_DEFAULTS.mnistTestImages });
      } catch (e) {
        mnistArrays = null; // try again next time
        throw e;
      }
    }
    if (dropped?.source !== s)
      throw new Error(s === 'csv' ? 'no CSV file yet: drop one on the page or pick one' : 'no PNG images yet: drop a folder on the page or pick one');
    return dropped.data;
  };

  start.addEventListener('click', async () => {
    if (isBusy) return;
    clearError();
    setBusy(true, true);
    isStopping = false;
    try {
      const settings: PageTrainSettings = {
        latentDim: intValue(latent, 'latent size', 1, 256),
        epochs: intValue(epochs, 'epochs', 1, 1000),
        backend: tf.getBackend(),
        vaekitVersion: opts.site.vaekitVersion,
      };
      const data = await chosenData();
      dataLine.textContent = data.description;
      model?.dispose();
      model = null;
      model = pageModel(data, settings);
      const trainer = model;
      const { batchSize } = resolveTrainOptions(pageTrainOptions(settings));
      const trainPoints: CurvePoint[] = [];
      const testPoints: CurvePoint[] = [];
      let prev: StepInfo | null = null;
      curve.draw(trainPoints, testPoints, settings.epochs);
      map.clear();
      setStatus('training', `epoch 1/${settings.epochs}: starting`, { epoch: 0, loss: null });
      const t0 = performance.now();
      const result = await trainInPage(trainer, data, settings, {
        shouldStop: () => isStopping,
        onStep: (info) => {
          const last = prev !== null && prev.epoch === info.epoch ? prev : null; // the epoch's last point
          if (isCurvePoint(info.step, last?.step ?? 0, info.stepsPerEpoch, PAGE_DEFAULTS.curvePointsPerEpoch)) {
            trainPoints.push([info.epoch - 1 + info.step / info.stepsPerEpoch, windowLoss(last, info, batchSize, data.train.numExamples)]);
            prev = info;
            curve.draw(trainPoints, testPoints, settings.epochs);
          }
          status.dataset.state = 'training';
          status.textContent = `epoch ${info.epoch}/${settings.epochs}, step ${info.step}/${info.stepsPerEpoch}: loss ${info.loss.toFixed(2)} nats per example`;
        },
        onEpochEnd: async (m) => {
          if (m.testLoss !== null) testPoints.push([m.epoch, m.testLoss]);
          curve.draw(trainPoints, testPoints, settings.epochs);
          const test = m.testLoss === null ? '' : ` (test ${m.testLoss.toFixed(2)})`;
          setStatus('training', `epoch ${m.epoch}/${settings.epochs}: loss ${m.trainLoss.toFixed(2)} nats per example${test}`, {
            epoch: m.epoch,
            loss: m.trainLoss,
          });
          const drawn = await latentMap(trainer, data);
          if (drawn) map.draw(drawn, data.classNames);
        },
      });
      const last = result.state.history.at(-1);
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const summary = last ? `epoch ${last.epoch}/${settings.epochs}: loss ${last.trainLoss.toFixed(2)} nats per example` : 'epoch 0: no epoch finished';
      setStatus(
        result.interrupted ? 'stopped' : 'done',
        `${summary}; ${result.interrupted ? 'stopped' : 'done'} after ${seconds} s on ${settings.backend}`,
        last && { epoch: last.epoch, loss: last.trainLoss },
      );
    } catch (e) {
      setStatus('error', `training failed: ${oneLine(e)}`);
      showError(e);
    } finally {
      setBusy(false);
    }
  });

  stop.addEventListener('click', () => {
    isStopping = true;
    stop.disabled = true;
  });

  download.addEventListener('click', async () => {
    if (!model || isBusy) return;
    try {
      const zip = zipModelFolder(modelFolderFiles(await model.toArtifacts()));
      const url = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
      const a = h('a', { href: url, download: MODEL_ZIP.fileName });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      showError(e);
    }
  });
}
