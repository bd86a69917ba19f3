/** Compiles aws-lambda-ric's native addon when it is missing (once per install). */
export declare const ensureLambdaRic: () => void;
