//! Every UI string, in English and Simplified Chinese. Components never hold a literal.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// From a BCP 47 tag such as the browser's `navigator.language`.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }
}

macro_rules! strings {
    ($($key:ident => $en:expr, $zh:expr;)*) => {
        /// A UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum K { $($key),* }

        pub fn text(lang: Lang, key: K) -> &'static str {
            match lang {
                Lang::En => match key { $(K::$key => $en),* },
                Lang::Zh => match key { $(K::$key => $zh),* },
            }
        }
    };
}

strings! {
    AppName => "Confab", "Confab";
    Tagline => "Fast, small, real-time chat.", "轻快的实时聊天。";
    SignIn => "Sign in", "登录";
    SignUp => "Create account", "注册";
    SignOut => "Sign out", "退出登录";
    SignOutEverywhere => "Sign out everywhere", "退出所有设备";
    AccountMenu => "Account", "账号";
    Sessions => "Signed-in devices", "已登录的设备";
    ThisDevice => "This device", "本设备";
    LastActive => "active {time}", "{time} 活跃";
    TooManyTabs => "Confab is open in too many tabs or windows. Close one and reload this page.", "Confab 打开的标签页或窗口过多。请关闭一个后刷新本页。";
    TooManyAttempts => "Too many attempts. Try again in {n} s.", "尝试次数过多，请在 {n} 秒后再试。";
    ServerBusy => "The server is busy. Try again in a moment.", "服务器繁忙，请稍后再试。";
    UserName => "User name", "用户名";
    DisplayName => "Display name (optional)", "昵称（可选）";
    Password => "Password", "密码";
    NoAccount => "New here?", "还没有账号？";
    HaveAccount => "Already have an account?", "已有账号？";
    SigningIn => "Signing in…", "正在登录…";
    SwitchLanguage => "中文", "English";
    SwitchLanguageLabel => "Switch language to Chinese", "切换为英文";
    Search => "Search people and messages", "搜索用户和聊天记录";
    SearchPlaceholder => "Search people and messages…", "搜索用户和聊天记录…";
    NoResults => "Nobody found", "没有找到用户";
    Conversations => "Conversations", "会话";
    NoConversations => "No conversations yet. Search for someone to start chatting.", "还没有会话。搜索用户开始聊天吧。";
    Pin => "Pin", "置顶";
    Unpin => "Unpin", "取消置顶";
    Mute => "Mute", "免打扰";
    Unmute => "Unmute", "取消免打扰";
    Pinned => "Pinned", "已置顶";
    Muted => "Muted", "免打扰";
    UnreadCount => "{n} unread", "{n} 条未读";
    PreviewImage => "[Image]", "[图片]";
    PreviewFile => "[File] {name}", "[文件] {name}";
    PreviewRecalled => "[Recalled]", "[已撤回]";
    Draft => "[Draft]", "[草稿]";
    Yesterday => "Yesterday", "昨天";
    Today => "Today", "今天";
    Back => "Back to conversations", "返回会话列表";
    PickConversation => "Pick a conversation, or search for someone to start one.", "选择一个会话，或搜索用户开始聊天。";
    LoadingOlder => "Loading earlier messages…", "正在加载更早的消息…";
    StartOfConversation => "This is the start of your conversation.", "这是你们对话的开始。";
    NewMessages => "New messages ↓", "新消息 ↓";
    MessagePlaceholder => "Write a message…", "输入消息…";
    MessageLabel => "Message", "消息";
    Send => "Send", "发送";
    TooLong => "{n} characters over the limit", "超出 {n} 个字";
    Pending => "Sending…", "发送中…";
    Sent => "Sent", "已发送";
    Read => "Read", "已读";
    Failed => "Not sent", "发送失败";
    Retry => "Retry", "重试";
    Offline => "Connecting…", "正在连接…";
    Loading => "Loading…", "正在加载…";
    YouRecalled => "You recalled a message", "你撤回了一条消息";
    TheyRecalled => "{name} recalled a message", "{name} 撤回了一条消息";
    ReEdit => "Edit again", "重新编辑";
    Recall => "Recall", "撤回";
    Delete => "Delete for me", "仅为我删除";
    Copy => "Copy text", "复制";
    MoreActions => "Message actions", "消息操作";
    ConfirmDelete => "Delete this message for you? The other side keeps it.", "为你删除这条消息？对方仍会看到。";
    Cancel => "Cancel", "取消";
    Close => "Close", "关闭";
    Download => "Download {name}", "下载 {name}";
    Attach => "Attach files", "添加附件";
    DropHere => "Drop files to send", "松开以发送文件";
    FileTooLarge => "{name} is larger than the {limit} limit", "{name} 超过了 {limit} 的大小限制";
    Uploading => "Uploading {name}", "正在上传 {name}";
    CancelUpload => "Cancel upload", "取消上传";
    NewMessageFrom => "New message from {name}: {text}", "{name} 发来新消息：{text}";
    ImageAlt => "Image {name}", "图片 {name}";
    ViewImage => "Open image {name}", "查看图片 {name}";
    ErrorGeneric => "Something went wrong. Please try again.", "出错了，请重试。";
    ErrorNetwork => "Can't reach the server. Check your connection.", "无法连接服务器，请检查网络。";
    You => "You", "你";
    NewGroup => "New group", "发起群聊";
    GroupName => "Group name", "群名称";
    AddPeople => "Add people", "添加成员";
    SearchToAdd => "Search people to add…", "搜索要添加的人…";
    RemoveChip => "Remove {name}", "移除 {name}";
    Create => "Create", "创建";
    Save => "Save", "保存";
    MemberCount => "{n} members", "{n} 位成员";
    OneMember => "1 member", "1 位成员";
    Members => "Members", "群成员";
    Owner => "Owner", "群主";
    Admin => "Admin", "管理员";
    MakeAdmin => "Make admin", "设为管理员";
    UnmakeAdmin => "Remove as admin", "取消管理员";
    RemoveMember => "Remove from group", "移出群聊";
    Leave => "Leave group", "退出群聊";
    ConfirmLeave => "Leave this group? You will keep the history up to now but get nothing new.", "退出该群？你会保留目前的聊天记录，但不再收到新消息。";
    Rename => "Rename", "修改群名";
    NotInGroup => "You are no longer a member of this group.", "你已不在该群中。";
    SysCreated => "{actor} created the group “{text}”", "{actor}创建了群聊“{text}”";
    SysAdded => "{actor} added {names}", "{actor}邀请{names}加入了群聊";
    SysRemoved => "{actor} removed {names}", "{actor}将{names}移出了群聊";
    SysLeft => "{actor} left the group", "{actor}退出了群聊";
    SysRenamed => "{actor} renamed the group to “{text}”", "{actor}将群名修改为“{text}”";
    SysAnnouncement => "{actor} updated the announcement", "{actor}更新了群公告";
    SysAdminAdded => "{actor} made {names} an admin", "{actor}将{names}设为管理员";
    SysAdminRemoved => "{actor} removed {names} as admin", "{actor}取消了{names}的管理员身份";
    SysOwnerChanged => "{names} is now the owner", "{names}成为新群主";
    SysBurnOn => "{actor} turned on burn after reading ({time})", "{actor}开启了阅后即焚（{time}）";
    SysBurnOff => "{actor} turned off burn after reading", "{actor}关闭了阅后即焚";
    AtYou => "[@You]", "[有人@我]";
    AtAll => "[@All]", "[@所有人]";
    AtAnnouncement => "[Announcement]", "[群公告]";
    Announcement => "Announcement", "群公告";
    AllMembers => "All", "所有人";
    MentionList => "Members to mention", "选择要@的成员";
    JumpToMention => "You were mentioned ↑", "有人@你 ↑";
    BurnAfterReading => "Burn after reading", "阅后即焚";
    BurnOff => "Off", "关闭";
    Seconds => "{n} s", "{n} 秒";
    Minutes => "{n} min", "{n} 分钟";
    BurnsIn => "Disappears {time} after reading", "阅读 {time} 后消失";
    ReadBy => "{n} read", "{n} 人已读";
    ReadersTitle => "Read by", "已读成员";
    NobodyYet => "Nobody yet", "暂无";
    MarkRead => "Mark as read", "标为已读";
    MarkUnread => "Mark as unread", "标为未读";
    ConversationActions => "Actions for {name}", "{name} 的操作";
    Assistant => "Assistant", "AI 助手";
    AssistantEntry => "Ask the AI assistant", "向 AI 助手提问";
    AiSessions => "Assistant chats", "助手会话";
    AiEmpty => "No chats with the assistant yet. Start one with “New chat”.", "还没有与助手的会话。点击“新对话”开始。";
    AiUnavailable => "The assistant is not connected to a language model yet.", "AI 助手尚未连接语言模型。";
    AiChat => "Chat", "会话";
    AiBack => "Back to assistant chats", "返回助手会话列表";
    AiDelete => "Delete chat", "删除会话";
    AiDeleteNamed => "Delete {name}", "删除 {name}";
    AiConfirmDelete => "Delete “{name}” and every message in it? This cannot be undone.", "删除“{name}”及其全部消息？此操作无法撤销。";
    NewChat => "New chat", "新对话";
    AiIntro => "Ask anything. Replies appear as they are written; you can stop them at any time.", "有问题尽管问。回复会边生成边显示，你可以随时停止。";
    AiAsk => "Ask the assistant…", "向助手提问…";
    AiThinking => "The assistant is writing…", "助手正在输入…";
    AiBroken => "Interrupted", "已中断";
    AiInterrupted => "The reply was interrupted.", "回复中断了。";
    AiStopped => "Stopped", "已停止";
    AiStop => "Stop", "停止";
    Reply => "Reply", "回复";
    ReplyingTo => "Replying to {name}", "回复 {name}";
    Editing => "Editing your message", "正在编辑消息";
    Edit => "Edit", "编辑";
    Edited => "edited", "已编辑";
    EditedAt => "Edited {time}", "编辑于 {time}";
    CancelCompose => "Cancel (Esc)", "取消（Esc）";
    OriginalGone => "The original message is no longer available", "原消息已不可见";
    ShowOriginal => "Go to the message from {name}", "查看 {name} 的原消息";
    React => "React", "回应";
    MoreEmoji => "More emoji", "更多表情";
    EmojiSearch => "Search emoji", "搜索表情";
    EmojiNone => "No emoji match", "没有匹配的表情";
    ReactedBy => "{names} reacted with {emoji}", "{names} 回应了 {emoji}";
    Forward => "Forward", "转发";
    Select => "Select", "选择";
    SelectSeveral => "Select messages…", "多选…";
    SelectedCount => "{n} selected", "已选 {n} 条";
    ForwardSelected => "Forward", "转发";
    ForwardTo => "Forward to…", "转发给…";
    ForwardFilter => "Find a conversation", "查找会话";
    Forwarded => "Forwarded", "已转发";
    IsTyping => "{name} is typing…", "{name} 正在输入…";
    SeveralTyping => "Several people are typing…", "多人正在输入…";
    Online => "online", "在线";
    LastSeen => "last seen {time}", "最后在线 {time}";
    SearchMessages => "Messages", "聊天记录";
    NoMessagesFound => "No messages found", "没有找到相关消息";
    MoreResults => "More results", "更多结果";
    SearchOlder => "Search older messages", "搜索更早的消息";
    UnreadDivider => "New messages", "以下为新消息";
    JumpToUnread => "First unread ↑", "第一条未读 ↑";
    NotifyAsk => "Show a notification when a message arrives while Confab is in the background? Muted chats never notify.", "Confab 在后台时收到新消息，是否弹出通知？免打扰的会话不会通知。";
    NotifyOn => "Turn on", "开启";
    NotifyLater => "Not now", "暂不";
    NotifySound => "Sound with notifications", "通知时播放提示音";
    ShareTyping => "Show others when I'm typing", "让对方看到我正在输入";
    Shortcuts => "Keyboard shortcuts", "快捷键";
    KeySend => "Send the message", "发送消息";
    KeyNewline => "New line", "换行";
    KeyEditLast => "Edit your last message (empty message box)", "编辑你的上一条消息（输入框为空时）";
    KeyCancel => "Cancel a reply or edit; close a dialog", "取消回复或编辑；关闭对话框";
    KeyMenu => "Actions for the focused message", "对选中的消息进行操作";
    KeyHelp => "Show these shortcuts", "显示快捷键";
}

/// A string with `{placeholder}`s filled in.
pub fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in pairs {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The current language, shared through context. Strings are read without tracking: the
/// app re-renders its page when the language changes (rare), so no string needs its own
/// reactive node (which keeps the bundle small).
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    pub fn t(self, key: K) -> &'static str {
        text(self.0.get_untracked(), key)
    }
    pub fn lang(self) -> Lang {
        self.0.get_untracked()
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}
