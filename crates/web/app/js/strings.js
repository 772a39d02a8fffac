// Every string the user reads, in one place (English first; another language is another
// object of the same shape).

export const strings = {
  appName: 'Relais',
  login: {
    title: 'Sign in to Relais',
    username: 'Email address',
    password: 'Password',
    submit: 'Sign in',
    failed: 'Wrong address or password.',
    throttled: 'Too many failed attempts. Try again in a few minutes.',
    httpsRequired: 'Sign in over HTTPS.',
    error: 'Signing in failed. Try again later.',
  },
  mail: {
    folders: 'Folders',
    messages: 'Messages',
    reading: 'Message',
    unread: (/** @type {number} */ n) => `${n} unread`,
    noSubject: '(no subject)',
    noMessages: 'No messages in this folder.',
    nothingSelected: 'Select a message to read it.',
    loadMore: 'Load more',
    loading: 'Loading…',
    delete: 'Delete',
    from: 'From',
    to: 'To',
    date: 'Date',
    remoteBlocked: 'Remote images in this message are blocked to protect your privacy.',
    showRemote: 'Show images',
    unreadMark: 'Unread',
    deleted: 'Moved to Trash.',
  },
  logout: 'Sign out',
  offline: 'The server could not be reached.',
};
