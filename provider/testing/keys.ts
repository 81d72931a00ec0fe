/**
 * Key material for the emulator, generated at start-up so no PEM ever lands in git.
 *
 * Node cannot issue X.509 certificates without extra dependencies, so the "platform certificate" identity is
 * handed out as its SPKI public-key PEM. Clients verify a response with the public key either way; only the
 * container differs from what WeChat Pay's `/v3/certificates` would return.
 */

import {
    createPrivateKey,
    createPublicKey,
    generateKeyPair,
    type KeyObject,
    randomBytes,
    randomInt,
} from "node:crypto";
import { promisify } from "node:util";

const generateKeyPairAsync = promisify(generateKeyPair);

/** A key pair in the PEM encodings WeChat Pay hands out: PKCS#8 private, SPKI public. */
export interface PemKeyPair {
    /** PKCS#8 PEM. */
    readonly privateKey: string;
    /** SPKI PEM. */
    readonly publicKey: string;
}

/** One identity WeChat Pay signs responses with. */
export interface SigningIdentity {
    /** What goes into the `Wechatpay-Serial` response header: a `PUB_KEY_ID_…` or a certificate serial. */
    readonly serial: string;
    /** Signs the responses. */
    readonly privateKey: KeyObject;
    /** SPKI PEM given to clients so they can verify. */
    readonly publicKey: string;
}

/** WeChat Pay's side of the keys for one merchant (each merchant of an emulator has its own). */
export interface WechatpayIdentities {
    /** The public-key scheme (`Wechatpay-Serial: PUB_KEY_ID_…`). */
    readonly publicKey: SigningIdentity;
    /** The platform-certificate scheme (`Wechatpay-Serial: <40 hex>`). */
    readonly platform: SigningIdentity;
    /** Keys no client was ever given, for the `unknown-serial` fault; one per scheme so the id looks plausible. */
    readonly strangers: { readonly publicKey: SigningIdentity; readonly platform: SigningIdentity };
}

/** A merchant's API certificate identity, as WeChat Pay knows it. */
export interface MerchantKeys {
    /** Merchant API certificate serial (40 upper-case hex characters). */
    readonly serial: string;
    /** The key pair; the private half is what the merchant signs requests with. */
    readonly pem: PemKeyPair;
    /** Verifies the merchant's request signatures. */
    readonly verifier: KeyObject;
}

/** Every key of one merchant, both sides: what the CLI's `--state-dir` stores and hands back on a restart. */
export interface EmulatorKeys {
    /** The merchant's API certificate identity. */
    readonly merchant: MerchantKeys;
    /** WeChat Pay's identities for this merchant. */
    readonly wechatpay: WechatpayIdentities;
}

/** Generates an RSA-2048 key pair without blocking the event loop. */
export async function generateRsaKeyPair(): Promise<PemKeyPair> {
    const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    return { privateKey, publicKey };
}

/** A certificate serial the way WeChat Pay prints them: 40 upper-case hex characters. */
export function randomSerial(): string {
    return randomBytes(20).toString("hex").toUpperCase();
}

/** A WeChat Pay public-key id: `PUB_KEY_ID_0114` then 24 random digits (28 digits, like real ones). */
export function randomPublicKeyId(): string {
    let digits = "";
    for (let i = 0; i < 24; i++) {
        digits += String(randomInt(10));
    }
    return `PUB_KEY_ID_0114${digits}`;
}

function identity(serial: string, pem: PemKeyPair): SigningIdentity {
    return { serial, privateKey: createPrivateKey(pem.privateKey), publicKey: pem.publicKey };
}

/** The public half of a PKCS#8 private key, as SPKI PEM; throws when `privateKey` is not a private key. */
export function publicKeyOf(privateKey: string): string {
    return createPublicKey(createPrivateKey(privateKey)).export({ type: "spki", format: "pem" }).toString();
}

/** The PKCS#8 PEM of a private key, to store it (`--state-dir`). */
export function privateKeyPem(key: KeyObject): string {
    return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/** A signing identity from stored material: its serial and PKCS#8 private key. */
export function signingIdentity(serial: string, privateKey: string): SigningIdentity {
    return identity(serial, { privateKey, publicKey: publicKeyOf(privateKey) });
}

/** A merchant identity from stored material: its certificate serial and PKCS#8 private key. */
export function merchantKeysFrom(serial: string, privateKey: string): MerchantKeys {
    const publicKey = publicKeyOf(privateKey);
    return { serial, pem: { privateKey, publicKey }, verifier: createPublicKey(publicKey) };
}

// Same reason as `shared` below: a merchant keeps its key pair across the emulators of one process. Its serial
// is drawn fresh each time, so credentials from one emulator never authenticate against another.
const merchantKeyPairs = new Map<string, Promise<PemKeyPair>>();

function merchantKeyPair(mchid: string): Promise<PemKeyPair> {
    let pending = merchantKeyPairs.get(mchid);
    if (pending === undefined) {
        const created = generateRsaKeyPair();
        pending = created;
        merchantKeyPairs.set(mchid, created);
        created.catch(() => {
            if (merchantKeyPairs.get(mchid) === created) {
                merchantKeyPairs.delete(mchid);
            }
        });
    }
    return pending;
}

/** A merchant identity: the process's key pair for this mchid, under a new certificate serial. */
export async function generateMerchantKeys(mchid: string): Promise<MerchantKeys> {
    const pem = await merchantKeyPair(mchid);
    return { serial: randomSerial(), pem, verifier: createPublicKey(pem.publicKey) };
}

/** Generates a fresh set of WeChat Pay identities (three key pairs). Prefer {@link sharedWechatpayIdentities}. */
export async function generateWechatpayIdentities(): Promise<WechatpayIdentities> {
    const [pub, platform, stranger] = await Promise.all([
        generateRsaKeyPair(),
        generateRsaKeyPair(),
        generateRsaKeyPair(),
    ]);
    const publicKey = identity(randomPublicKeyId(), pub);
    const platformIdentity = identity(randomSerial(), platform);
    return {
        publicKey,
        platform: platformIdentity,
        strangers: {
            // The ids must differ from the real ones, or the fault would not be one.
            publicKey: identity(differentFrom(publicKey.serial, randomPublicKeyId), stranger),
            platform: identity(differentFrom(platformIdentity.serial, randomSerial), stranger),
        },
    };
}

function differentFrom(taken: string, make: () => string): string {
    let value = make();
    while (value === taken) {
        value = make();
    }
    return value;
}

// Key generation takes a few hundred milliseconds; caching the identities by the merchant's position keeps test
// suites that start many emulators fast. Within one emulator every merchant has its own identities, as in WeChat Pay,
// where each merchant applies for its own public key (微信支付公钥, with its PUB_KEY_ID) in 账户中心 → API安全
// (https://pay.weixin.qq.com/docs/merchant/products/update-pub-key/wxp-pub-key-guide.html): a client that verifies merchant B's replies with merchant
// A's key must fail.
const byPosition: Array<Promise<WechatpayIdentities> | undefined> = [];

/** The WeChat Pay identities of the merchant at `position` in an emulator, generated on first use per process. */
export function wechatpayIdentitiesAt(position: number): Promise<WechatpayIdentities> {
    let pending = byPosition[position];
    if (pending === undefined) {
        const created = generateWechatpayIdentities();
        pending = created;
        byPosition[position] = created;
        // A failed generation must not poison every later emulator.
        created.catch(() => {
            if (byPosition[position] === created) {
                byPosition[position] = undefined;
            }
        });
    }
    return pending;
}
