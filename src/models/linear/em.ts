/**
 * The expectation-maximisation loop shared by the linear models. Each iteration runs an E-step at
 * the current parameters (which also yields their exact mean log-likelihood) and an M-step.
 *   θ_{k+1} = argmax_θ Σ_n E_{p(h | x_n; θ_k)}[log p(x_n, h; θ)]
 * EM never lowers the log-likelihood; the loop records it and stops when an iteration gains less
 * than `tol` nats per example, or after `maxIter` iterations.
 * @see Dempster, Laird & Rubin 1977; Bishop 2006, §9.4 (EM never lowers the likelihood); Prince, Understanding Deep Learning, problem 17.7
 */
import { TrainingError } from '../../errors.js';
import type { EmReport } from './linear-model.js';

/** Progress of one EM iteration, for callbacks. */
export interface EmProgress {
  /** 0 for the initial parameters, i after i iterations. */
  iteration: number;
  /** Mean training log-likelihood at those parameters, nats per example. */
  meanLogLikelihood: number;
}

/** Callbacks of an EM fit (the library never writes to the console). */
export interface EmCallbacks {
  onIteration?: (progress: EmProgress) => void;
}

/** One E-step: the mean log-likelihood at the parameters and the M-step it enables. */
export interface EStep<P> {
  meanLogLikelihood: number;
  mStep: () => P;
}

/**
 * Runs EM from `init`.
 * @param eStep - E-step at given parameters
 * @param maxIter - most iterations, an integer >= 1
 * @param tol - stop when the mean log-likelihood rises by less than this, nats per example
 * @param where - the model's name for error messages
 * @returns the final parameters and the report (history[i] = mean LL after i iterations)
 * @throws TrainingError when the log-likelihood becomes NaN or ±Inf
 */
export function runEm<P>(
  init: P,
  eStep: (params: P) => EStep<P>,
  maxIter: number,
  tol: number,
  where: string,
  callbacks: EmCallbacks = {},
): { params: P; report: EmReport } {
  let params = init;
  let e = eStep(params);
  const history = [checkFinite(e.meanLogLikelihood, 0, where)];
  callbacks.onIteration?.({ iteration: 0, meanLogLikelihood: e.meanLogLikelihood });
  let converged = false;
  for (let it = 1; it <= maxIter; it++) {
    const next = e.mStep();
    const eNext = eStep(next);
    const ll = checkFinite(eNext.meanLogLikelihood, it, where);
    params = next;
    e = eNext;
    history.push(ll);
    callbacks.onIteration?.({ iteration: it, meanLogLikelihood: ll });
    if (ll - history[it - 1] < tol) {
      converged = true;
      break;
    }
  }
  return { params, report: { history, converged } };
}

function checkFinite(ll: number, iteration: number, where: string): number {
  if (!Number.isFinite(ll)) {
    throw new TrainingError(`${where}: expected a finite mean log-likelihood at EM iteration ${iteration}, got ${ll}`);
  }
  return ll;
}
