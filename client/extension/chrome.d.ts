// The few chrome.* extension APIs this extension uses (a subset of @types/chrome, kept local so
// the extension adds no dependency).
declare namespace chrome {
  namespace runtime {
    interface MessageSender {
      readonly id?: string;
      readonly url?: string;
      readonly tab?: { readonly id?: number; readonly url?: string };
    }
    const id: string;
    const lastError: { readonly message?: string } | undefined;
    function getURL(path: string): string;
    function sendMessage<Response>(message: unknown): Promise<Response>;
    function openOptionsPage(): Promise<void>;
    const onMessage: {
      addListener(callback: (message: unknown, sender: MessageSender, sendResponse: (response: unknown) => void) => boolean | undefined): void;
    };
  }

  namespace storage {
    interface StorageChange {
      readonly oldValue?: unknown;
      readonly newValue?: unknown;
    }
    interface StorageArea {
      get(keys?: string | string[] | null): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
    }
    const sync: StorageArea;
    const onChanged: {
      addListener(callback: (changes: Record<string, StorageChange>, areaName: string) => void): void;
    };
  }

  namespace permissions {
    interface Permissions {
      readonly origins?: string[];
    }
    function contains(permissions: Permissions): Promise<boolean>;
    function request(permissions: Permissions): Promise<boolean>;
  }
}
