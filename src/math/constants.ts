/** log(2π), the Gaussian normalising constant's building block. */
export const LOG_2PI = Math.log(2 * Math.PI);
