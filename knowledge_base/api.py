"""REST API of the knowledge base (staff and integrations).

/api/v1/kb-articles/            list (filters: status, language, category), create
/api/v1/kb-articles/{id}/       read, update (PATCH), delete — writes need the article permissions
/api/v1/kb-articles/search/     ?q=&language= the help-centre search, published articles only
/api/v1/kb-articles/match/      POST {"question", "language"} what the bot would do with it
/api/v1/kb-content-gaps/        searches that found nothing, most frequent first
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from . import bot, services
from .models import Article, ArticleStatus, Category, SearchMiss, SearchSource
from .search import MAX_QUERY_CHARS, search_articles


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    questions = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50, write_only=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=20, write_only=True
    )
    translation_of = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(), required=False, allow_null=True
    )
    slug = serializers.SlugField(max_length=120, required=False, allow_blank=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "category",
            "language",
            "translation_of",
            "title",
            "slug",
            "body",
            "status",
            "position",
            "questions",
            "tags",
            "view_count",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["view_count", "published_at", "created_at", "updated_at"]
        # The service checks the slug (and derives one from the title when it is empty).
        validators: list = []

    def to_representation(self, instance: Article) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["questions"] = [q.text for q in instance.questions.all()]
        data["tags"] = [t.name for t in instance.tags.all()]
        return data


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.id")
    slug = serializers.CharField(source="article.slug")
    title = serializers.CharField(source="article.title")
    language = serializers.CharField(source="article.language")
    score = serializers.FloatField()
    snippet = serializers.CharField()


class MatchInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=bot.MAX_QUESTION_CHARS * 4, trim_whitespace=True)
    language = serializers.ChoiceField(choices=["vi", "en"], required=False)
    sentiment = serializers.FloatField(min_value=-1, max_value=1, required=False)


class CandidateSerializer(serializers.Serializer):
    article_id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    score = serializers.FloatField()


class DecisionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["answer", "clarify", "handoff"])
    reason = serializers.CharField()
    message = serializers.CharField()
    candidates = CandidateSerializer(many=True)


class ArticleViewSet(viewsets.ModelViewSet):
    serializer_class = ArticleSerializer
    # Matching a question to articles is a read, whatever its method.
    permission_actions = {"match": "view"}
    filterset_fields = ["status", "language", "category"]
    ordering_fields = ["id", "updated_at", "view_count"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            Article.objects.select_related("category")
            .prefetch_related("questions", "tags")
            .order_by("-id")
        )

    def perform_create(self, serializer: ArticleSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.create_article(
            category=data["category"],
            language=data["language"],
            title=data["title"],
            body=data["body"],
            slug=data.get("slug") or "",
            status=data.get("status", ArticleStatus.DRAFT),
            questions=data.get("questions", ()),
            tags=data.get("tags", ()),
            translation_of=data.get("translation_of"),
            position=data.get("position", 0),
            by=self.request.user,
        )

    def perform_update(self, serializer: ArticleSerializer) -> None:
        data = dict(serializer.validated_data)
        questions = data.pop("questions", None)
        tags = data.pop("tags", None)
        translation_of = data.pop("translation_of", None)
        serializer.instance = services.update_article(
            article=serializer.instance,
            by=self.request.user,
            changes=data,
            questions=questions,
            tags=tags,
            translation_of=translation_of,
        )

    def perform_destroy(self, instance: Article) -> None:
        services.delete_article(article=instance, by=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        article = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return Response(self.get_serializer(article).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("language", str, enum=["vi", "en"]),
        ],
        responses=HitSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > MAX_QUERY_CHARS:
            raise serializers.ValidationError(
                {"q": [_("At most %(n)d characters.") % {"n": MAX_QUERY_CHARS}]}
            )
        language = request.query_params.get("language") or "vi"
        result = search_articles(query=query, language=language)
        if query.strip() and not result.found:
            services.record_search_miss(
                query=query, language=result.language, source=SearchSource.API
            )
        return Response(HitSerializer(result.hits, many=True).data)

    @extend_schema(request=MatchInputSerializer, responses=DecisionSerializer)
    @action(detail=False, methods=["post"])
    def match(self, request: Request) -> Response:
        serializer = MatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = bot.decide(
            question=data["question"],
            language=data.get("language"),
            sentiment=data.get("sentiment"),
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_200_OK)


class SearchMissSerializer(serializers.ModelSerializer):
    class Meta:
        model = SearchMiss
        fields = [
            "id",
            "query",
            "example",
            "language",
            "source",
            "count",
            "first_seen",
            "last_seen",
        ]


class ContentGapViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SearchMissSerializer
    filterset_fields = ["language", "source"]
    ordering_fields = ["count", "last_seen"]
    ordering = ["-count", "-last_seen", "-id"]

    def get_queryset(self):
        return SearchMiss.objects.order_by("-count", "-last_seen", "-id")
