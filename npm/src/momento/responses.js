// The response objects of Momento's TopicClient, with the same shapes: each
// call resolves to a `Success` (or `Subscription`) or an `Error`, never
// rejects, and `.type` compares with the enums (`PutWebhookResponse.Success`).

/** `{ Success: 'Success', Error: 'Error' }`, as Momento's response enums. */
const successOrError = () => Object.freeze({ Success: 'Success', Error: 'Error' });

export const PutWebhookResponse = successOrError();
export const ListWebhooksResponse = successOrError();
export const DeleteWebhookResponse = successOrError();
export const GetWebhookSecretResponse = successOrError();
export const RotateWebhookSecretResponse = successOrError();
export const TopicPublishResponse = successOrError();
export const TopicSubscribeResponse = Object.freeze({ Subscription: 'Subscription', Error: 'Error' });

/** `toString()` is the class's name (`Success`), as Momento's. */
class ResponseBase {
  toString() {
    return this.constructor.name;
  }
}

class ResponseSuccess extends ResponseBase {
  is_success = true;
}

/** A failed call: `errorCode()`, `message()`, `innerException()` (the `SdkError`). */
class ResponseError extends ResponseBase {
  #error;

  constructor(error) {
    super();
    this.#error = error;
  }

  /** The `MomentoErrorCode`. */
  errorCode() {
    return this.#error.errorCode();
  }

  /** What the code means, then what edgehooks said. */
  message() {
    return this.#error.wrappedErrorMessage();
  }

  /** The `SdkError` (with edgehooks' `apiCode` and `status`); can be thrown. */
  innerException() {
    return this.#error;
  }

  toString() {
    return this.message();
  }
}

/** A secret and the webhook it signs for (getWebhookSecret, rotateWebhookSecret). */
class SecretSuccess extends ResponseSuccess {
  #secret;
  #webhookName;
  #cacheName;

  constructor({ secret, webhookName, cacheName }) {
    super();
    this.#secret = secret;
    this.#webhookName = webhookName;
    this.#cacheName = cacheName;
  }

  secret() {
    return this.#secret;
  }

  webhookName() {
    return this.#webhookName;
  }

  cacheName() {
    return this.#cacheName;
  }

  // Names the webhook, never the secret.
  toString() {
    return `${super.toString()}: ${this.#webhookName}`;
  }
}

/**
 * `cls` named `name` whatever a bundler renames it to: Momento's classes are
 * `Success` and `Error`, and `toString()` shows the name.
 */
const named = (name, cls) => Object.defineProperty(cls, 'name', { value: name });

/** The `Error` class of a call whose enum is `responses`. */
const failure = (responses) => named('Error', class extends ResponseError {
  type = responses.Error;
});

export const PutWebhook = Object.freeze({
  Success: named('Success', class extends ResponseSuccess {
    type = PutWebhookResponse.Success;
    #secretString;

    constructor(secretString) {
      super();
      this.#secretString = secretString;
    }

    /** The webhook's signing secret. */
    secretString() {
      return this.#secretString;
    }
  }),
  Error: failure(PutWebhookResponse),
});

export const ListWebhooks = Object.freeze({
  Success: named('Success', class extends ResponseSuccess {
    type = ListWebhooksResponse.Success;
    #webhooks;

    constructor(webhooks) {
      super();
      this.#webhooks = webhooks;
    }

    /** Every webhook of the cache: `{ id: { cacheName, webhookName }, destination, topicName }`. */
    getWebhooks() {
      return this.#webhooks;
    }

    toString() {
      return `${super.toString()}: ${this.#webhooks.map((webhook) => webhook.id.webhookName).join(', ')}`;
    }
  }),
  Error: failure(ListWebhooksResponse),
});

export const DeleteWebhook = Object.freeze({
  Success: named('Success', class extends ResponseSuccess {
    type = DeleteWebhookResponse.Success;
  }),
  Error: failure(DeleteWebhookResponse),
});

export const GetWebhookSecret = Object.freeze({
  Success: named('Success', class extends SecretSuccess {
    type = GetWebhookSecretResponse.Success;
  }),
  Error: failure(GetWebhookSecretResponse),
});

export const RotateWebhookSecret = Object.freeze({
  Success: named('Success', class extends SecretSuccess {
    type = RotateWebhookSecretResponse.Success;
  }),
  Error: failure(RotateWebhookSecretResponse),
});

export const TopicPublish = Object.freeze({
  Success: named('Success', class extends ResponseSuccess {
    type = TopicPublishResponse.Success;
  }),
  Error: failure(TopicPublishResponse),
});

export const TopicSubscribe = Object.freeze({
  /** An open subscription: `unsubscribe()` ends it; `isSubscribed` says whether it goes on. */
  Subscription: named('Subscription', class extends ResponseBase {
    type = TopicSubscribeResponse.Subscription;
    #state;

    constructor(state) {
      super();
      this.#state = state;
    }

    unsubscribe() {
      this.#state.unsubscribe();
    }

    get isSubscribed() {
      return this.#state.isSubscribed;
    }

    get is_subscribed() {
      return this.#state.isSubscribed;
    }
  }),
  Error: failure(TopicSubscribeResponse),
});
